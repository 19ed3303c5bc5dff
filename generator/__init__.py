"""protdocs: protection sections of HNO/HRP and the HCT protection action plan, from content files."""
