"""Show a flag as a flag in `--help`: `--json`, not `--json <bool>`.

typer (0.29 on) prints every option's type in the help, a flag's too, so `--json <bool>` reads as
if it took a value, and `--json true` then fails (a flag takes no value: `true` becomes the next
argument). This prints no type for a flag, on every command at once (`--help` included), so a
command added later cannot bring the `<bool>` back. Older typers never print one; there this
changes nothing.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_typed = getattr(TyperOption, "display_type_rich", None)


def _display_type_rich(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag:  # --json, --force, --help, --x/--no-x: a switch, never a value
        return None
    return _typed(self, ctx) if _typed is not None else None


if _typed is not None:
    TyperOption.display_type_rich = _display_type_rich  # type: ignore[method-assign]
