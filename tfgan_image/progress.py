"""Progress bars: tqdm's, hidden where a bar would say nothing, and whenever the user sets
TQDM_DISABLE=1 (tqdm lets an explicit ``disable=`` argument override its environment, so
every bar of the library passes through ``bar`` instead of giving ``disable`` itself)."""

from typing import Iterable, Optional


def bar(iterable: Optional[Iterable] = None, hidden: bool = False, **tqdm_arguments):
    """``tqdm(iterable, **tqdm_arguments)``, no bar at all when ``hidden``."""
    from tqdm.auto import tqdm

    return tqdm(iterable, **tqdm_arguments, **({"disable": True} if hidden else {}))
