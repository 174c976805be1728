"""Git's config syntax (sections, quoting, escapes, continuations) and its wildmatch."""


def parse_git_config(text: str) -> list[tuple[str, str | None, str, str | None]]:
    """(section, subsection, key, value) for each variable in a git config file.

    Section and key names are lower-cased (git compares them case-insensitively); a key without
    `=` has the value None (git's "true"). Unparseable lines are skipped rather than fatal:
    a wrong email is better than no record.
    """
    entries: list[tuple[str, str | None, str, str | None]] = []
    section, subsection = "", None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if line.startswith("["):
            header_end = _section_header_end(line)
            if header_end < 0:
                continue
            section, subsection = _parse_section_header(line[1:header_end])
            line = line[header_end + 1 :].strip()
        if not line or line[0] in "#;":
            continue
        key, equals, raw_value = line.partition("=")
        key = key.strip().lower()
        if not key or not (key[0].isalpha() and key.replace("-", "").isalnum()):
            continue
        if not equals:
            entries.append((section, subsection, key, None))
            continue
        value, continued = _parse_value(raw_value)
        while continued and index < len(lines):
            more, continued = _parse_value(lines[index])
            index += 1
            value += more
        entries.append((section, subsection, key, value))
    return entries


def _section_header_end(line: str) -> int:
    in_quotes = False
    position = 1
    while position < len(line):
        char = line[position]
        if in_quotes and char == "\\":
            position += 2
            continue
        if char == '"':
            in_quotes = not in_quotes
        elif char == "]" and not in_quotes:
            return position
        position += 1
    return -1


def _parse_section_header(header: str) -> tuple[str, str | None]:
    name, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if rest.startswith('"') and rest.endswith('"') and len(rest) >= 2:
        subsection = rest[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return name.lower(), subsection
    if "." in name:
        # The deprecated `[section.subsection]` form, whose subsection is case-insensitive.
        name, _, subsection = name.partition(".")
        return name.lower(), subsection.lower()
    return name.lower(), None


_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", '"': '"', "\\": "\\"}


def _parse_value(raw: str) -> tuple[str, bool]:
    """The value on one line and whether a trailing backslash continues it on the next."""
    parts: list[str] = []
    pending_space = ""
    in_quotes = False
    position = 0
    raw = raw.lstrip()
    while position < len(raw):
        char = raw[position]
        position += 1
        if char == "\\":
            if position == len(raw):
                parts.append(pending_space)
                return "".join(parts), True
            escaped = raw[position]
            position += 1
            parts.append(pending_space + _ESCAPES.get(escaped, escaped))
            pending_space = ""
        elif char == '"':
            in_quotes = not in_quotes
            parts.append(pending_space)
            pending_space = ""
        elif char in "#;" and not in_quotes:
            break
        elif char in " \t" and not in_quotes:
            pending_space += char
        else:
            parts.append(pending_space + char)
            pending_space = ""
    return "".join(parts), False


def wildmatch(pattern: str, text: str, casefold: bool = False) -> bool:
    """Git's wildmatch with WM_PATHNAME: `*` and `?` stop at `/`, `**/` spans folders.

    `casefold` is WM_CASEFOLD as git implements it, quirks included: a bracket expression's
    single characters are compared as written (`[E]` does not match `e`), ranges either way.
    """
    return _wildmatch(pattern, 0, text, 0, casefold)


def _wildmatch(pattern: str, p: int, text: str, t: int, fold: bool) -> bool:
    while p < len(pattern):
        char = pattern[p]
        if char == "*":
            return _match_star(pattern, p, text, t, fold)
        if t >= len(text):
            return False
        if char == "?":
            if text[t] == "/":
                return False
        elif char == "[":
            matched, after = _match_class(pattern, p, text[t].lower() if fold else text[t], fold)
            if after < 0:
                if text[t] != "[":
                    return False
            elif not matched:
                return False
            else:
                p = after - 1
        else:
            if char == "\\" and p + 1 < len(pattern):
                p += 1
                char = pattern[p]
            if char != text[t] and not (fold and char.lower() == text[t].lower()):
                return False
        p += 1
        t += 1
    return t == len(text)


def _match_star(pattern: str, p: int, text: str, t: int, fold: bool) -> bool:
    double = pattern.startswith("**", p)
    after = p + 2 if double else p + 1
    starts_segment = p == 0 or pattern[p - 1] == "/"
    if double and starts_segment and pattern.startswith("/", after):
        # `**/` matches zero or more whole folders.
        if _wildmatch(pattern, after + 1, text, t, fold):
            return True
        for index in range(t, len(text)):
            if text[index] == "/" and _wildmatch(pattern, after + 1, text, index + 1, fold):
                return True
        return False
    crosses_slashes = double and starts_segment and after == len(pattern)
    while pattern.startswith("*", after):
        after += 1
    for index in range(t, len(text) + 1):
        if _wildmatch(pattern, after, text, index, fold):
            return True
        if index < len(text) and text[index] == "/" and not crosses_slashes:
            return False
    return False


def _match_class(pattern: str, p: int, char: str, fold: bool) -> tuple[bool, int]:
    """Whether `char` is in the bracket expression at `p`, and the index just past it (-1: none).

    With `fold`, `char` comes lower-cased and a range also matches its upper case (git's rule).
    """
    position = p + 1
    negate = position < len(pattern) and pattern[position] in "!^"
    if negate:
        position += 1
    matched = False
    first = True
    while position < len(pattern):
        low = pattern[position]
        if low == "]" and not first:
            return (matched != negate) and char != "/", position + 1
        first = False
        if low == "\\" and position + 1 < len(pattern):
            position += 1
            low = pattern[position]
        high = low
        is_range = position + 2 < len(pattern) and pattern[position + 1] == "-"
        if is_range and pattern[position + 2] != "]":
            high = pattern[position + 2]
            position += 2
        if low <= char <= high or (fold and low != high and low <= char.upper() <= high):
            matched = True
        position += 1
    return False, -1
