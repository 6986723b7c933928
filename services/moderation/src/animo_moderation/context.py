"""Context of a match: its sentence, and whether it is negated, quoted, reported, or self-directed.

Context decides between using words and mentioning them. "Women are scum" uses hate;
"Stop calling women scum", "Posts like \"women are scum\" get you banned" and "I never said
women are scum" mention it (counter-speech, quotes, reported speech); "I was a total prick
back then" turns an insult on oneself. Patterns here are about how people frame speech, never
about a particular group or word, so they carry over to texts no test suite has seen.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from animo_moderation.lexicon import Hit
from animo_moderation.normalise import Normalised
from animo_shared.events import Category, Finding

_SENTENCE_END = re.compile(r"[.!?;\n]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*'?")
_QUOTE = re.compile(r'"[^"\n]{3,}"|(?<![a-z0-9])\'[^\'\n]{6,}\'(?![a-z0-9])')


@dataclass
class Text:
    """A normalised text read in one language by the rules."""

    lang: str
    norm: Normalised

    @property
    def view(self) -> str:
        return self.norm.text

    def finding(self, category: Category, severity: int, rule: str, s: int, e: int) -> Finding:
        start, end = self.norm.span(s, e)
        term = self.norm.original[start:end]
        return Finding(
            category=category, severity=severity, rule=rule, term=term, start=start, end=end
        )

    @cached_property
    def _sentence_ends(self) -> list[int]:
        return [match.start() for match in _SENTENCE_END.finditer(self.view)]

    def sentence(self, position: int) -> int:
        """The index of the sentence holding a position of the view."""
        return bisect.bisect_left(self._sentence_ends, position)

    def sentence_start(self, position: int) -> int:
        index = self.sentence(position)
        if not index:
            return 0
        end = self._sentence_ends[index - 1]
        match = _SENTENCE_END.match(self.view, end)
        return match.end() if match else end + 1

    def prefix(self, position: int) -> str:
        """The sentence holding a position, up to it."""
        return self.view[self.sentence_start(position) : position]

    def words_before(self, position: int, count: int) -> list[str]:
        return _WORD.findall(self.prefix(position))[-count:]

    def words_between(self, start: int, end: int) -> list[str]:
        return _WORD.findall(self.view[start:end])

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        return [match.span() for match in _QUOTE.finditer(self.view)]


# --- negation ----------------------------------------------------------------------------------

_NEGATORS = {
    "en": frozenset(
        {"not", "never", "no", "nor", "cannot", "nobody", "none", "neither", "nothing"}
    ),
    "fr": frozenset({"ne", "pas", "jamais", "aucun", "aucune", "nul", "nulle", "personne"}),
}
_NEGATING_PHRASES = {
    "en": re.compile(
        r"\b(?:far from|anything but|opposite of|the opposite|hardly|by no means)\s*$"
    ),
    "fr": re.compile(r"\b(?:tout sauf|loin d'?\s?etre|le contraire d'?\s?etre|nullement)\s*$"),
}
# Negations that assert rather than deny: a suggestion ("why don't we", "pourquoi ne pas"), a
# counterfactual ("if they weren't such ...", "s'ils n'étaient pas ...") and a comparison that
# ranks the group last ("no one is as filthy as", "nul n'est aussi crasseux que").
_ASSERTING = {
    "en": re.compile(
        r"\bwhy\s+(?:don't|dont|do not|not)\b|\bif\s+(?:they|you|he|she|we)\s+(?:weren't|were not"
        r"|wasn't|was not|didn't|did not)\b|\b(?:no one|nobody|nothing|none|no other)(?:\s+\w+)?"
        r"(?:\s+else)?\s+(?:is|was|are|can be|could be)\s+(?:as|more|so)\b"
    ),
    "fr": re.compile(
        r"\bpourquoi\s+(?:ne|n')|\bs'?\s*(?:ils|elles|il|elle|tu|vous|on)\s+n'?\s*(?:etaient|etiez"
        r"|etait|etais|avaient|avait)\b|\b(?:nulle?|personne|rien|aucun\w*)(?:\s+d'autre)?\s+(?:ne\s+|n')"
        r"\s*(?:est|etait|sera|peut etre)\s+(?:aussi|plus|si|autant)\b"
    ),
}
# "nothing but garbage", "rien que des ...": a restriction, like "ne ... que".
_RESTRICTION = frozenset({"but", "que", "qu'", "than"})


def _negator(lang: str, word: str) -> bool:
    if word in _NEGATORS[lang]:
        return True
    return word.endswith(("n't", "nt'")) if lang == "en" else word.startswith("n'")


def negated(text: Text, hit: Hit, window: int = 3, since: int | None = None) -> bool:
    """A negation among the words before the hit ("are not scum", "ne sont pas des rats"), or
    anywhere from `since` on; "ne ... que" restricts rather than negates ("ne valent que")."""
    if hit.entry.self_negated:
        return False
    prefix = text.prefix(hit.start)
    if _NEGATING_PHRASES[text.lang].search(prefix):
        return True
    if since is not None and since < hit.start:
        scope = text.view[since : hit.start]
        words = _WORD.findall(scope)
    else:
        words = _WORD.findall(prefix)[-window:]
    if _ASSERTING[text.lang].search(prefix):
        return False
    for i, word in enumerate(words):
        if _negator(text.lang, word):
            # "ne ... que", "nothing but" only restrict.
            return not any(w in _RESTRICTION or w.startswith("qu'") for w in words[i + 1 :])
    return False


# --- mention: quotes, reported speech, counter-speech ----------------------------------------------

# Someone other than the author says, thinks or does the hateful thing ("you said", "people who
# call", "a politician that treats them like garbage").
_OTHERS_SAY = {
    "en": re.compile(
        r"\b(?:you|he|she|they|people|someone|somebody|anyone|anybody|others|whoever|politicians?"
        r"|men|man|guys?|folks|those|trolls?|bigots?|racists?)\b(?:\W+[\w']+){0,6}?\W+(?:say|says"
        r"|said|saying|claim\w*|believ\w*|think|thinks|thought|call|calls|called|calling|tell|tells"
        r"|told|telling|write|writes|wrote|writing|tweet\w*|post\w*|suggest\w*|insist\w*|pretend\w*"
        r"|impl(?:y|ies|ied)|argu\w*|treat\w*|shout\w*|yell\w*|describ\w*|label\w*|send|sends|sent"
        r"|spread\w*)\b"
    ),
    "fr": re.compile(
        r"\b(?:tu|vous|il|elle|ils|elles|les gens|certains|quelqu'un|ceux|celles|qui|on|t'|d'autres)"
        r"(?:\W+[\w']+){0,6}?\W+(?:dis|dit|dites|disent|disiez|disait|affirm\w*|pretend\w*|croi\w*"
        r"|crois|pens\w*|trait\w*|ecri\w*|insist\w*|sugger\w*|racont\w*|tweet\w*|post\w*|qualifi\w*"
        r"|hurl\w*|cri\w*|envoi\w*|repet\w*)\b"
    ),
}
# The author denies having said it ("I never said", "je n'ai jamais dit").
_DENIED = {
    "en": re.compile(
        r"\b(?:i|we)\W+(?:[\w']+\W+)?(?:never|didn't|did not|don't|do not|wouldn't|would never"
        r"|won't|will never)\W+(?:[\w']+\W+)?(?:say|said|claim\w*|think|thought|believe\w*|call\w*"
        r"|write|wrote|mean|meant|tolerate|accept|support|condone)\b"
    ),
    "fr": re.compile(
        r"\b(?:je|j'|nous|on)\W*(?:n'|ne)\W*(?:[\w']+\W+)?(?:jamais|pas)\W+(?:[\w']+\W+)?(?:dit"
        r"|pretendu|pense|ecrit|affirme|cru|tolere\w*|accepte\w*|soutenu|soutenir|tolerer|accepter)"
        r"\b"
    ),
}
# Speech named as a thing ("calling them", "posts like", "stop saying", "de dire que").
_SPEECH_FRAME = {
    "en": re.compile(
        r"\b(?:calling|saying|claiming|writing|tweeting|posting|threatening|telling|suggesting"
        r"|implying|insisting|labell?ing|describing|treating|spreading|shouting|chanting)\b"
        r"|\b(?:statements?|posts?|messages?|comments?|tweets?|words|things|phrases?|slogans?"
        r"|claims?|remarks?|jokes?|language|rhetoric|hate|views|opinions|lies|memes?|signs?)\W+"
        r"(?:like|such as|saying|that say)\b|\bsuch\W+as\W*\"|\blike\W*\""
    ),
    "fr": re.compile(
        r"\b(?:dire|traiter|qualifier|affirmer|pretendre|ecrire|insulter|menacer|repeter|crier"
        r"|penser|entendre|entendu|selon)\b|\b(?:messages?|propos|declarations?|commentaires?|tweets?|posts?|phrases?"
        r"|slogans?|paroles|insultes?|expressions?|blagues?|choses)\W+(?:du type|du style|du genre"
        r"|tel(?:le)?s? que|comme|qui disent)\b|\b(?:du type|du style|du genre|tel(?:le)?s? que"
        r"|comme)\W*\""
    ),
}
# Asking what is wrong with saying it defends it: "what's wrong with saying ...".
_DEFENDED = {
    "en": re.compile(
        r"\b(?:wrong|mistake|error|problem|harm|issue)\W+(?:with|in|about)\W+(?:saying|thinking"
        r"|calling|stating|believing)\b|\bi'?m\W+(?:just\W+)?saying\b"
    ),
    "fr": re.compile(
        r"\b(?:probleme|erreur|mal|tort)\W+(?:\w+\W+)?(?:de|a|d')\W*(?:dire|penser|affirmer"
        r"|croire)\b"
    ),
}
# Words with which an author condemns what the quote says.
_CONDEMNED = {
    "en": re.compile(
        r"\b(?:hateful|hurtful|dehumani[sz]\w*|racis\w*|sexis\w*|homophob\w*|transphob\w*"
        r"|islamophob\w*|antisemit\w*|bigot\w*|banned|ban|block\w*|report\w*|jail|prison"
        r"|unacceptable|shame\w*|disgrac\w*|not okay|not ok|tolerate|offensive|vile|sad|wrong"
        r"|stop|hate speech|kicked off)\b"
    ),
    "fr": re.compile(
        r"\b(?:haineu\w*|blessant\w*|deshumanis\w*|racis\w*|sexis\w*|homophob\w*|transphob\w*"
        r"|islamophob\w*|antisemit\w*|bannir|banni\w*|bloque\w*|signal\w*|exclu\w*|prison"
        r"|inacceptable|intolerable|honte\w*|tolere\w*|tolerer|choquant\w*|triste|arret\w*|vire\w*)"
        r"\b"
    ),
}
# The author agrees with what they quote.
_ENDORSED = {
    "en": re.compile(
        r"\b(?:so true|exactly|agreed|facts|he'?s right|she'?s right|was right|truth)\b"
    ),
    "fr": re.compile(r"\b(?:tellement vrai|c'?est vrai|exactement|a raison|avait raison|verite)\b"),
}
# The predicate is what the addressee thinks ("... aren't worth shit to you, but ...").
_ATTRIBUTED = {
    "en": re.compile(r"\W+(?:[\w']+\W+){0,2}?(?:to you|for you|in your eyes|according to you)\b"),
    "fr": re.compile(
        r"\W+(?:[\w']+\W+){0,2}?(?:pour (?:toi|vous)|a (?:tes|vos) yeux|selon (?:toi|vous))\b"
    ),
}


def quoted(text: Text, position: int) -> bool:
    """Inside quotation marks that the author wraps in words of their own."""
    for start, end in text.quotes:
        if start < position < end:
            outside = text.view[:start] + " " + text.view[end:]
            if len(_WORD.findall(outside)) >= 3 and not _ENDORSED[text.lang].search(outside):
                return True
    return False


def mentioned(text: Text, start: int, end: int) -> bool:
    """The span [start, end) is mentioned, not meant by the author: quoted and framed, reported
    as someone else's words, denied, or attributed to the addressee."""
    lang = text.lang
    if quoted(text, start) or quoted(text, end - 1):
        return True
    prefix = text.prefix(start)
    if _DEFENDED[lang].search(prefix):
        return False
    if _OTHERS_SAY[lang].search(prefix) or _DENIED[lang].search(prefix):
        return True
    if _SPEECH_FRAME[lang].search(prefix):
        return True
    return _ATTRIBUTED[lang].match(text.view, end) is not None


def condemned(text: Text) -> bool:
    """The text condemns something (counter-speech vocabulary)."""
    return _CONDEMNED[text.lang].search(text.view) is not None


# --- who a word is about -------------------------------------------------------------------------

_PERSONS = {
    "en": {
        **dict.fromkeys(("i", "i'm", "im", "i've", "i'd", "i'll", "me", "myself", "am", "my"), 1),
        **dict.fromkeys(("we", "we're", "us", "ourselves", "our"), 1),
        **dict.fromkeys(("you", "you're", "youre", "ur", "u", "your", "yourself", "y'all"), 2),
        **dict.fromkeys(("ya", "yourselves", "thou"), 2),
        **dict.fromkeys(("he", "she", "he's", "she's", "him", "her", "they", "them", "it"), 3),
        **dict.fromkeys(("they're", "his", "their", "this", "that"), 3),
    },
    "fr": {
        **dict.fromkeys(("je", "j'", "me", "m'", "moi", "suis", "mon", "ma", "mes"), 1),
        **dict.fromkeys(("nous", "nos", "notre"), 1),
        **dict.fromkeys(("tu", "t'", "te", "toi", "es", "ton", "ta", "tes", "vous", "etes"), 2),
        **dict.fromkeys(("il", "elle", "ils", "elles", "lui", "son", "sa", "ses", "ce", "cet"), 3),
        **dict.fromkeys(("cette", "c'", "leur", "leurs"), 3),
    },
}


def person_before(text: Text, position: int, window: int = 6) -> int | None:
    """The grammatical person (1, 2, 3) of the nearest pronoun before a position in its clause."""
    clause = re.split(r"[,:(]|\b(?:but|mais|and|et)\b", text.prefix(position))[-1]
    persons = _PERSONS[text.lang]
    for word in reversed(_WORD.findall(clause)[-window:]):
        for part in (word, word.split("'")[0] + "'" if "'" in word else ""):
            if part in persons:
                return persons[part]
    return None


# "called me a ...", "m'a traité de ...": the author reports an insult received.
_CALLED_ME = {
    "en": re.compile(r"\b(?:call\w*|nam\w*|label\w*)\W+(?:me|us)\W+(?:an?\W+)?(?:[\w']+\W+)?$"),
    "fr": re.compile(r"\b(?:m'|me|nous|on\s+me)\W*(?:\w+\W+)?trait\w*\W+(?:de|d')\W*(?:\w+\W+)?$"),
}
# Markers of a reclaimed slur: pride, fellowship, "like us".
_RECLAIMED_BEFORE = {
    "en": re.compile(
        r"\b(?:proud|fellow|my|our|us|myself|ourselves|i'?m|we'?re|being)\W+(?:[\w']+\W+)?$"
    ),
    "fr": re.compile(
        r"\b(?:fier|fiere|fiers|fieres|mes|nos|moi|nous|suis|sommes)\W+(?:[\w']+\W+)?$"
    ),
}
_RECLAIMED_AFTER = {
    "en": re.compile(r"\W+(?:like (?:us|me)|myself|ourselves)\b"),
    "fr": re.compile(r"\W+(?:comme (?:nous|moi))\b"),
}


def called_me(text: Text, position: int) -> bool:
    return _CALLED_ME[text.lang].search(text.prefix(position)) is not None


def reclaimed(text: Text, hit: Hit) -> bool:
    """A slur said of oneself or one's own ("I'm a proud ...", "my ...", "... like us")."""
    if _RECLAIMED_BEFORE[text.lang].search(text.prefix(hit.start)):
        return True
    if _RECLAIMED_AFTER[text.lang].match(text.view, hit.end):
        return True
    return person_before(text, hit.start) == 1
