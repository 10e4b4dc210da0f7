# Page script run by st.navigation (see app.py); the page itself is coach/ui/review_page.py.
from coach.ui.review_page import render

render()
