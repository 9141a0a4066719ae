"""What a user takes home from the page: CSV files (Dutch or international notation) and
PNG pictures of the charts.

>>> import pandas as pd
>>> print(to_csv(pd.DataFrame({"week": [0, 1], "unsafe": [0.25, 0.5]}), dutch=True), end="")
week;unsafe
0;0,25
1;0,5
"""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image


def to_csv(df: pd.DataFrame, dutch: bool) -> str:
    """``df`` as CSV: ``;`` and a decimal comma for Dutch spreadsheets, else ``,`` and ``.``."""
    if dutch:
        return df.to_csv(index=False, sep=";", decimal=",")
    return df.to_csv(index=False)


def run_table(weekly: pd.DataFrame, settings: dict[str, object]) -> pd.DataFrame:
    """The run's weekly series with the settings that made it in the first columns."""
    front = pd.DataFrame({k: [v] * len(weekly) for k, v in settings.items()})
    return pd.concat([front, weekly.reset_index(drop=True)], axis=1)


def png_from_pixels(rgba) -> bytes:
    """PNG bytes of an RGBA pixel array (e.g. a matplotlib canvas buffer)."""
    buf = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(buf, format="PNG")
    return buf.getvalue()
