"""Who ran pulumi, where and how: one module per source (the OS account, git, CI, the agent...).

`trim` is here because the agent detection and the agents' settings readers both apply Go's
string rules to what they read, and neither module may import the other (agent_settings loads
only when a run needs it).
"""

# Go's strings.TrimSpace trims unicode.IsSpace; Python's strip() would also take \x1c-\x1f.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
_GO_SPACE += "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def trim(text: str) -> str:
    """Go's strings.TrimSpace."""
    return text.strip(_GO_SPACE)
