"""URL spans as twitter-text extracts them, so a link counts as 23 exactly where X and Mastodon count it."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A port of twitter-text's `extractUrlsWithIndices` (js/src/extractUrlsWithIndices.js and the
# js/src/regexp/* pieces it supplants), kept to the parts that change a length. Two deliberate
# differences, both noted where they apply: a URL with a scheme accepts any alphabetic TLD
# (twitter-text needs one from IANA's list), and a URL without a scheme needs one of the TLDs
# below, a curated subset of that list: every ccTLD and the gTLDs people actually post.
CCTLDS = _words(
    "ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn "
    "bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj "
    "dk dm do dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp "
    "gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh "
    "ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn "
    "mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph "
    "pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr "
    "ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy "
    "uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
GTLDS = _words(
    "com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum post tel "
    "travel app dev page blog shop store online site website tech xyz club top news live life "
    "world today social media link email digital network cloud design art agency studio space "
    "fun icu vip wiki one global group team community events photo photography video music film "
    "games software systems solutions services company business center consulting marketing "
    "finance money bank capital ventures partners legal law health care fitness run bike tours "
    "hotel restaurant cafe food wine beer coffee fashion beauty style house home garden land "
    "realty estate energy green eco earth farm school academy education university college "
    "training guru expert tips guide help support tools zone works city london paris berlin "
    "nyc tokyo amsterdam brussels wien quebec bzh eus gal scot cymru google youtube"
)
_SPECIAL_CCTLDS = frozenset({"co", "tv"})  # short `name.co` / `name.tv` are links even bare
MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG = 40

_LATIN = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259"
    "\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_SPACES = "\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = "\ufffe\ufeff\uffff"
_D = f"[^{_PUNCT}{_SPACES}{_INVALID}]"  # a domain character: anything but punctuation/space
_SUBDOMAIN = rf"(?:{_D}(?:(?:[-_]|{_D})*{_D})?\.)"
_DOMAIN_NAME = rf"(?:{_D}(?:(?:-|{_D})*{_D})?\.)"
_PUNYCODE = r"xn--[-0-9a-z]+"
_TLD_END = r"(?=[^0-9a-z@+-]|$)"
_BARE_TLDS = "|".join(sorted(CCTLDS | GTLDS, key=lambda t: (-len(t), t)))
_PATH_CHAR = rf"a-z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}"
_PATH_END = re.compile(rf"[+\-a-z{_CYRILLIC}0-9=_#/{_LATIN})]", re.IGNORECASE)
_QUERY_CHAR = r"a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|"
_QUERY_END = re.compile(r"[a-z0-9\-_&=#/]", re.IGNORECASE)

_URL = re.compile(
    # twitter-text's valid preceding characters; directional marks are allowed since v3.
    rf"(?<![A-Za-z0-9@\uff20$#\uff03{_INVALID}])"
    rf"(?:(?P<proto>https?://)(?P<domain>{_SUBDOMAIN}*{_DOMAIN_NAME}"
    rf"(?:[^\W\d_]{{2,}}|{_PUNYCODE}){_TLD_END})"
    # Without a scheme only ASCII domains count, and not right after `-_./` (a path, a file).
    rf"|(?<![-_./])(?P<bare>(?:[-a-z0-9{_LATIN}]+\.)+(?:{_BARE_TLDS}|{_PUNYCODE}){_TLD_END}))"
    rf"(?::[0-9]+)?"
    rf"(?P<path>/[{_PATH_CHAR}()]*)?"
    rf"(?P<query>\?[{_QUERY_CHAR}]*)?",
    re.IGNORECASE,
)


def _trim_path(path: str) -> str:
    """Cut at the first unbalanced parenthesis, then back to a valid ending character."""
    depth, opened, cut = 0, -1, len(path)
    for index, char in enumerate(path):
        if char == "(":
            if depth == 0:
                opened = index
            depth += 1
        elif char == ")":
            if depth == 0:
                cut = index
                break
            depth -= 1
    if depth > 0 and cut == len(path):
        cut = opened
    path = path[:cut]
    while len(path) > 1 and not _PATH_END.fullmatch(path[-1]):
        path = path[:-1]
    return path


def _trim_query(query: str) -> str:
    while len(query) > 1 and not _QUERY_END.fullmatch(query[-1]):
        query = query[:-1]
    return query if len(query) > 1 else ""


def _valid_host(domain: str, url_length: int, scheme_length: int) -> bool:
    """twitter-text's `isValidUrl`: the host must punycode-encode, the whole URL fit 4096."""
    try:
        # IDNA refuses empty labels and labels over 63 characters once punycoded, which is
        # exactly what keeps a 64-character label or a long CJK host from counting as 23.
        ascii_host = domain.encode("idna")
    except UnicodeError:
        return False
    return scheme_length + url_length + len(ascii_host) - len(domain) <= MAX_URL_LENGTH


def url_spans(text: str, *, without_protocol: bool = True) -> list[tuple[int, int]]:
    """Start and end indices (code points) of the URLs in `text`, in order, never overlapping."""
    if "." not in text:
        return []
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        start = match.start()
        path = _trim_path(match["path"]) if match["path"] else ""
        query = _trim_query(match["query"]) if match["query"] else ""
        head_end = match.start("path") if match["path"] else match.end() - len(match["query"] or "")
        url = text[start:head_end] + path + query
        if match["proto"]:
            domain = match["domain"]
            tco = re.match(r"https?://t\.co/([a-z0-9]+)", url, re.IGNORECASE)
            if tco:
                # A t.co link is its slug and nothing after it, and a long slug is no t.co link.
                if len(tco[1]) > _MAX_TCO_SLUG:
                    continue
                url = tco[0]
            if not _valid_host(domain, len(url), 0):
                continue
        else:
            if not without_protocol:
                continue
            domain = match["bare"]
            if not _valid_host(domain, len(url), len("https://")):
                continue
            labels = domain.lower().split(".")
            # A bare `name.cc` with no path is usually prose ("file.py"), not a link.
            short = len(labels) == 2 and labels[1] in CCTLDS and labels[1] not in _SPECIAL_CCTLDS
            if short and not path:
                continue
        spans.append((start, start + len(url)))
    return spans


def urls(text: str, *, without_protocol: bool = True) -> list[str]:
    """The URLs in `text`, as `url_spans` finds them."""
    return [text[a:b] for a, b in url_spans(text, without_protocol=without_protocol)]
