"""Help a clerk can read: placeholders such as FILE, DB|URL and IMAGE... instead of typer's own
(<list[Path]>, {images}), on every command and sub-group of the `certscan` group."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# What the help shows for a value: typer's own placeholders (<list[Path]>, {images}...) mean nothing
# to a clerk. Options and arguments by name first, then by the type they take.
_METAVARS = {
    "images": "IMAGE...",
    "inputs": "PATH...",
    "files": "CSV...",
    "texts": "NAME...",
    "code": "CODE",
    "roster": "CSV",
    "institutions": "CSV",
    "lang": "zh|en",
    "registry": "DB|URL",
    "db": "DB",
    "dask": "ADDRESS",
    "host": "ADDRESS",
    "port": "PORT",
    "reviewer": "NAME",
    "threads": "N",
    "workers": "N",
    "registry_retries": "N",
    "retries": "N",
    "registry_timeout": "SECONDS",
    "timeout": "SECONDS",
    "max_upload_mb": "MB",
}
_TYPE_METAVARS = {Path: "FILE", int: "N", float: "NUMBER"}


class _ReadableArgument(TyperArgument):
    """A positional argument shown by its metavar alone (IMAGE...), in the usage line as click does
    it: IMAGE... when required, [IMAGE]... when not."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = (self.metavar or self.name or "").removesuffix("...")
        shown = name if self.required else f"[{name}]"
        return shown + ("..." if self.nargs != 1 else "")


def _readable(param: object) -> None:
    """Give a parameter the metavar a person reads in the help (FILE, DB|URL, IMAGE...); a flag
    shows none."""
    if isinstance(param, TyperArgument):
        if param.metavar is None:
            name = _METAVARS.get(param.name or "", (param.name or "value").upper())
            param.metavar = name if param.nargs == 1 or name.endswith("...") else name + "..."
        param.__class__ = _ReadableArgument
    elif isinstance(param, TyperOption) and param.metavar is None:
        if param.is_flag:
            param.metavar = ""
        else:
            annotation: Any = param.type_descriptor.annotation
            # A repeatable option (list[Path]) takes one value of its element type at a time.
            element = get_args(annotation)[0] if get_origin(annotation) is list else annotation
            param.metavar = _METAVARS.get(param.name or "", _TYPE_METAVARS.get(element, "TEXT"))


class _ReadableCommand(TyperCommand):
    """A command whose help shows readable metavars (see `_readable`), its --help option too."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params


class _ReadableGroup(TyperGroup):
    """The certscan group: every command under it, sub-groups included, shows readable help."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _make_readable(self)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params


def _make_readable(group: TyperGroup) -> None:
    for command in group.commands.values():
        if isinstance(command, TyperGroup):
            command.__class__ = _ReadableGroup
            _make_readable(command)
        elif isinstance(command, TyperCommand):
            command.__class__ = _ReadableCommand
