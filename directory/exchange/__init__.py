"""Import and export of the directory: HSDS 3.0 canonical JSON, the HSDS tabular data package, and a
one-sheet CSV for admins. Every format is parsed into the same plain records (`records`), checked by one
validator (`validate`) and written by one all-or-nothing `apply` (see PROFILE.md for the mapping).
"""
