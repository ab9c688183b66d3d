"""Help in plain words: an argument shows the word that names its value (its metavar), never a Python type.

typer prints an argument's type beside its name (`CANDIDATE <path>`) even where a metavar names the value,
and has no setting to turn that off (checked in typer 0.29: the type comes from TyperArgument's
display_type_rich, and rich_markup_mode does not change it). So the commands use typer's documented hook,
their class (`app.command(cls=PlainHelpCommand)`), whose format_options writes each help record through
click's public API with the argument's name replaced by its plain word. Nothing of typer is patched: if typer
changes how it prints a record, help still works, and at worst shows its type again (the tests say so).
Options need nothing: with a metavar typer shows it instead of the type (runner/cli/options.py sets them).
"""

from __future__ import annotations

from gettext import gettext as _
from typing import Any

from typer.core import TyperCommand


def plain_words(param: Any, record: tuple[str, str]) -> tuple[str, str]:
    """An argument's help record named by its metavar, or its name in capitals; any other record as it is."""
    if param.param_type_name != "argument":
        return record
    if param.metavar:
        return param.metavar, record[1]
    name = (param.name or "").upper()
    return (name if param.nargs == 1 else f"{name}..."), record[1]


class PlainHelpCommand(TyperCommand):
    """A typer command whose help lists its arguments, then its options, each in plain words."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and param.param_type_name in sections:
                sections[param.param_type_name].append(plain_words(param, record))
        for kind, title in (("argument", _("Arguments")), ("option", _("Options"))):
            if sections[kind]:
                with formatter.section(title):
                    formatter.write_dl(sections[kind])
