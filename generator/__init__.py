"""protdocs: the protection sections of an HNO/HRP and the HCT action plan, from content files."""
