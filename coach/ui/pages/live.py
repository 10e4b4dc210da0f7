# Page script run by st.navigation (see app.py); the page itself is coach/ui/live_page.py.
from coach.ui.live_page import render

render()
