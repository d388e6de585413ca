"""A realistic vocabulary for photo titles, captions, hashtags and alt text.

Word use in real titles is Zipfian: a few words ("sunset", "beach", "dog") are everywhere
and a long tail of names and places is rare. The head here is a hand-written list of words
people put on photos, in rough order of popularity; the tail is made-up place and person
names built from syllables, some with accents, so accent folding is exercised too.
"""

from __future__ import annotations

import random
from itertools import accumulate

STOPWORDS = ("the", "a", "my", "at", "in", "on", "of", "with", "and", "from", "by", "to",
             "our", "after", "before", "under", "over", "near", "this", "first")

HEAD = """
sunset beach dog cat coffee morning city night sky mountain lake sea ocean sunrise food
friends family summer winter autumn spring snow rain clouds street park garden flowers
light shadow portrait selfie bridge river forest trail hike road trip travel weekend
golden hour blue green red yellow old new little big quiet happy lazy misty foggy
cold warm bright dark wild urban rural vintage classic modern tiny giant lonely
tree trees leaves rose tulip sunflower daisy bird birds eagle owl horse cow sheep
puppy kitten baby kids wedding birthday party concert festival market cafe bakery
bread cake pizza pasta salad soup tea wine beer cocktail breakfast lunch dinner
window door stairs roof tower church castle museum library station train bus bike
car boat harbor harbour pier lighthouse island island coast cliff cliffs dunes desert
canyon valley meadow field farm barn village town downtown skyline alley graffiti
mural neon reflection reflections puddle fountain statue monument ruins temple
waterfall glacier volcano cave rocks stones pebbles shells sand waves surf surfing
running cycling climbing skiing swimming walking dancing cooking reading painting
sleeping playing fishing camping sailing skating hiking baking gardening
moon stars milky way aurora lights lanterns candles fire campfire fireworks
black white monochrome film analog polaroid macro closeup landscape panorama
architecture details texture pattern colors colours minimal abstract
morning evening afternoon midnight dawn dusk twilight weekend holiday vacation
memories home kitchen bedroom balcony terrace rooftop view views horizon
ice frost fog storm thunder lightning rainbow wind breeze heat
""".split()  # noqa: SIM905 - a word list reads best as running text

TAG_HEAD = """
photography travel nature sunset landscape streetphotography portrait foodie dogsofinstagram
catsofinstagram architecture blackandwhite filmphotography macro wanderlust hiking beach
summer winter autumn spring skyline citylife coffee love instagood photooftheday art
""".split()  # noqa: SIM905 - as above

_ONSETS = ("b", "br", "c", "ch", "d", "f", "g", "gr", "k", "l", "m", "n", "p", "r", "s",
           "st", "t", "tr", "v", "z")
_VOWELS = ("a", "e", "i", "o", "u", "ou", "ai", "é", "è", "ö", "ü", "á")
_CODAS = ("", "", "n", "r", "s", "l", "m", "x", "nd")


def _name(rng: random.Random) -> str:
    syllables = rng.randint(2, 3)
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(syllables))


class Vocabulary:
    """Zipf-distributed words: `words(n)` draws like a person titling photos would."""

    def __init__(self, seed: int = 7, *, tail: int = 20_000, flatten: int = 30) -> None:
        rng = random.Random(seed)
        head = list(dict.fromkeys(HEAD))
        names = list(dict.fromkeys(_name(rng) for _ in range(tail * 2)))[:tail]
        self.content = head + names
        # Zipf-Mandelbrot: `flatten` keeps the head from dominating the way "the" would.
        weights = [1 / (rank + flatten) for rank in range(len(self.content))]
        self._cum = list(accumulate(weights))
        tag_words = list(dict.fromkeys(TAG_HEAD + [w for w in head if len(w) > 3]))
        self.tags = tag_words + [n.replace("é", "e") for n in names[:500]]
        self._tag_cum = list(accumulate(1 / (r + 1) for r in range(len(self.tags))))
        self._rng = rng

    def words(self, count: int) -> list[str]:
        return self._rng.choices(self.content, cum_weights=self._cum, k=count)

    def title(self) -> str:
        rng = self._rng
        words = self.words(rng.randint(1, 4))
        if rng.random() < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(STOPWORDS))
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def sentence(self, low: int, high: int) -> str:
        rng = self._rng
        words = self.words(rng.randint(low, high))
        for _ in range(len(words) // 3):
            words.insert(rng.randrange(len(words) + 1), rng.choice(STOPWORDS))
        return " ".join(words)

    def hashtags(self, count: int) -> list[str]:
        drawn = self._rng.choices(self.tags, cum_weights=self._tag_cum, k=count)
        return list(dict.fromkeys(drawn))
