"""`audit report --html`: one self-contained HTML page (inline CSS and SVG, no script)."""
