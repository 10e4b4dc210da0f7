# Page script run by st.navigation (see app.py); the page itself is coach/ui/stretches_page.py.
from coach.ui.stretches_page import render

render()
