"""What a call to a Claude model costs: list prices per model family, the prompt cache's prices, and estimates."""

from __future__ import annotations

from dataclasses import dataclass

# US dollars per million input and output tokens, by model family; list prices when written.
PRICES_PER_MILLION = {"opus": (5.0, 25.0), "sonnet": (3.0, 15.0), "haiku": (1.0, 5.0)}
DEFAULT_PRICE = (5.0, 25.0)  # an unknown model is costed as the dearest family
# The prompt cache, as multiples of the input price: writing a 5-minute cache entry, and reading one.
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1
CHARS_PER_TOKEN = 3.0  # a cautious count of the tokens in a text, where it has not been sent yet


def price_for(model: str) -> tuple[float, float]:
    for family, price in PRICES_PER_MILLION.items():
        if family in model:
            return price
    return DEFAULT_PRICE


@dataclass(frozen=True)
class Usage:
    """A reply's usage: input tokens read uncached, written to the cache and read from it, and output tokens."""

    input: int
    output: int
    cache_write: int = 0
    cache_read: int = 0

    @property
    def all_input(self) -> int:
        return self.input + self.cache_write + self.cache_read

    @classmethod
    def of(cls, usage: object) -> Usage:
        def count(name: str) -> int:
            value = getattr(usage, name, None)
            return value if isinstance(value, int) and value > 0 else 0

        return cls(input=count("input_tokens"), output=count("output_tokens"),
                   cache_write=count("cache_creation_input_tokens"), cache_read=count("cache_read_input_tokens"))


def cost_usd(model: str, usage: Usage) -> float:
    price_in, price_out = price_for(model)
    tokens_in = usage.input + CACHE_WRITE_FACTOR * usage.cache_write + CACHE_READ_FACTOR * usage.cache_read
    return (tokens_in * price_in + usage.output * price_out) / 1e6


def tokens_in_text(*texts: str) -> int:
    return int(sum(len(text) for text in texts) / CHARS_PER_TOKEN) + 1


def worst_case_usd(model: str, prompt_tokens: int, max_tokens: int) -> float:
    """The most one call could cost: every prompt token written to the cache, and max_tokens out."""
    return cost_usd(model, Usage(input=0, output=max_tokens, cache_write=prompt_tokens))
