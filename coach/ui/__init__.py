"""The Streamlit app's building blocks (`app.py` is the entry point).

Modules without Streamlit in them (`live`, `speech`, `settings`, `charts`'s data
helpers) hold the logic and are tested directly; the `*_page` modules draw the
pages; `pages/` holds the thin page scripts `st.navigation` runs.
"""
