"""Read a ballot file of any supported format, chosen by name or by extension.

=====================  ==========================================  ==============================
``format``             extensions                                  reader
=====================  ==========================================  ==============================
``"blt"``              ``.blt``                                    :func:`.blt.read_blt`
``"preflib"``          ``.soc`` ``.soi`` ``.toc`` ``.toi``         :func:`.preflib.read_preflib`
``"csv"``              ``.csv``                                    :func:`.csv_ballots.read_csv`
``"rctab"``            ``.json`` holding ``cvrFileSources``        :func:`.rctab.load_contest`
``"cdf-json"``         other ``.json``                             NIST SP 1500-103 CDF (JSON)
``"cdf-xml"``          ``.xml``                                    NIST SP 1500-103 CDF (XML)
=====================  ==========================================  ==============================

The RCTab and CDF readers are imported only when needed, so the plain formats
work without them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from selectorate.ballots.model import Election
from selectorate.formats.errors import BallotFileError

__all__ = ["FORMATS", "detect_format", "read_ballots"]

#: Every format name :func:`read_ballots` accepts.
FORMATS = ("blt", "preflib", "csv", "rctab", "cdf-json", "cdf-xml")

_BY_EXTENSION = {
    ".blt": "blt",
    ".soc": "preflib",
    ".soi": "preflib",
    ".toc": "preflib",
    ".toi": "preflib",
    ".csv": "csv",
    ".xml": "cdf-xml",
}

#: Functions a CDF module may offer for reading one file on its own, by preference.
_CDF_FILE_READERS = ("read_election", "read_cdf_file", "read_file")


def detect_format(path: str | Path) -> str:
    """The format name for ``path``, from its extension (and, for JSON, its content)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    if suffix == ".json":
        return "rctab" if _is_rctab_config(p) else "cdf-json"
    known = ", ".join(sorted([*_BY_EXTENSION, ".json"]))
    raise BallotFileError(
        path,
        None,
        f"unknown ballot file extension {suffix or '(none)'!r}; known: {known} "
        "(or name the format)",
    )


def read_ballots(path: str | Path, format: str | None = None, **opts: object) -> Election:
    """Read the ballot file at ``path`` into an :class:`Election`.

    ``format`` is one of :data:`FORMATS`; by default it follows the extension.
    ``opts`` go to the format's reader (e.g. ``allow_equal=True`` for BLT,
    ``seats=3`` for PrefLib and CSV); an option the reader does not take is a
    :class:`TypeError`.
    """
    name = format if format is not None else detect_format(path)
    if name not in FORMATS:
        raise ValueError(f"unknown ballot format {name!r}; known: {', '.join(FORMATS)}")
    reader = _reader(name, path)
    return reader(path, **opts)


def _reader(name: str, path: str | Path) -> Callable[..., Election]:
    """The function reading format ``name`` (imported lazily)."""
    if name == "blt":
        from selectorate.formats.blt import read_blt

        return read_blt
    if name == "preflib":
        from selectorate.formats.preflib import read_preflib

        return read_preflib
    if name == "csv":
        from selectorate.formats.csv_ballots import read_csv

        return read_csv
    if name == "rctab":
        return _read_rctab
    module = "cdf_json" if name == "cdf-json" else "cdf_xml"
    return _cdf_reader(module, path)


def _read_rctab(path: str | Path, **opts: object) -> Election:
    """The election of an RCTab contest config (its CVR sources read as the config says)."""
    if opts:
        raise TypeError(f"an RCTab config takes no reader options, got {', '.join(sorted(opts))}")
    try:
        from selectorate.formats.rctab import load_contest
    except ImportError:
        raise BallotFileError(path, None, "RCTab config support not installed") from None
    return load_contest(path).election


def _cdf_reader(module: str, path: str | Path) -> Callable[..., Election]:
    """A standalone reader from ``selectorate.formats.rctab.<module>``, if it offers one."""
    import importlib

    try:
        mod = importlib.import_module(f"selectorate.formats.rctab.{module}")
    except ImportError:
        mod = None
    for attr in _CDF_FILE_READERS:
        fn = getattr(mod, attr, None)
        if callable(fn):
            return fn
    kind = "JSON" if module == "cdf_json" else "XML"
    raise BallotFileError(
        path,
        None,
        f"NIST CDF support not installed: a CDF {kind} file cannot be read on its own "
        "yet; list it as a 'cdf' source in an RCTab contest config and read that config",
    )


def _is_rctab_config(path: Path) -> bool:
    """True when the JSON file at ``path`` looks like an RCTab contest config.

    Only the start of the file is read: CDF cast-vote-record files can be huge,
    while a config names ``tabulatorVersion`` or ``cvrFileSources`` early.
    """
    try:
        with path.open("rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return False
    return b'"cvrFileSources"' in head or b'"tabulatorVersion"' in head
