"""The app's pages: one module per page, each with `render()` (run by st.navigation as a script)."""
