"""The app's pages: one module per page, each with `render()` (run by st.navigation as a script). Not named
`pages/`: Streamlit would also treat such a folder as a legacy multipage app and run a page without main.py."""
