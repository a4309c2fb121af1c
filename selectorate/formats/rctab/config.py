"""RCTab contest configuration files (``<contest>_config.json``): parse and validate.

An RCTab config has four blocks: ``outputSettings``, ``cvrFileSources``,
``candidates`` and ``rules``. Values are mostly strings even when they are
numbers (``"3"``); booleans are JSON booleans. This module turns the file into
an :class:`RctabConfig`, checking it the way RCTab's ``ContestConfig.validate``
does (RCTab repository ``BrightSpots/rcv``, ``ContestConfig.java`` and
``RawContestConfig.java``, snapshot 2167c240): every problem found is collected
and reported in one :class:`~selectorate.formats.errors.BallotFileError` that
names the config file, each bad key and its value.

The rule keys are translated into the keyword options of the RCTab-rule
counting methods in one table, :data:`RULE_OPTIONS` (see
``notes/rctab_contract.md``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from selectorate.formats._weights import whole
from selectorate.formats.errors import BallotFileError

#: Provider labels of ``cvrFileSources[].provider`` (RCTab ``ContestConfig.Provider``).
PROVIDERS = ("cdf", "clearBallot", "dominion", "ess", "hart", "genericCsv")

#: ``winnerElectionMode`` -> (registry method name, extra options).
WINNER_MODES: dict[str, tuple[str, dict[str, object]]] = {
    "singleWinnerMajority": ("irv", {}),
    "multiWinnerAllowMultipleWinnersPerRound": ("stv-rctab", {"one_winner_per_round": False}),
    "multiWinnerAllowOnlyOneWinnerPerRound": ("stv-rctab", {"one_winner_per_round": True}),
    "multiPassIrv": ("multi-pass-irv", {}),
    "bottomsUp": ("bottoms-up", {}),
    "bottomsUpUsingPercentageThreshold": ("bottoms-up-percentage", {}),
}

OVERVOTE_RULES = ("alwaysSkipToNextRank", "exhaustImmediately", "exhaustIfMultipleContinuing")

TIEBREAK_MODES = (
    "random",
    "stopCountingAndAsk",
    "previousRoundCountsThenRandom",
    "previousRoundCountsThenAsk",
    "useCandidateOrder",
    "generatePermutation",
)
_RANDOM_TIEBREAKS = ("random", "previousRoundCountsThenRandom", "generatePermutation")

#: The tally key RCTab uses for undeclared write-ins
#: (``Tabulator.UNDECLARED_WRITE_IN_OUTPUT_LABEL``).
UNDECLARED_WRITE_INS = "Undeclared Write-ins"
#: RCTab's internal name for an explicit overvote (``Tabulator.EXPLICIT_OVERVOTE_LABEL``).
EXPLICIT_OVERVOTE = "overvote"
#: Names no candidate or label may take (case-insensitive), as in RCTab's ``RESERVED_STRINGS``.
RESERVED_NAMES = (UNDECLARED_WRITE_INS, "exhausted", "residual surplus")

# RCTab's bounds (ContestConfig.java constants).
_MAX_COLUMN = 1000
_MAX_ROW = 100000
_MIN_RANDOM_SEED = -140737488355328
_MAX_RANDOM_SEED = 140737488355327
_MAX_MINIMUM_VOTE_THRESHOLD = 1000000
_INT_RE = re.compile(r"[+-]?[0-9]+")
#: RCTab reads its integer settings with Java's Integer.parseInt: at most 2**31 - 1.
_MAX_INT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class CvrSourceConfig:
    """One entry of ``cvrFileSources``; column/row indexes are 1-based as in the file."""

    file_path: str
    path: Path
    provider: str
    contest_id: str = ""
    first_vote_column: int | None = None
    first_vote_row: int | None = None
    id_column: int | None = None
    batch_column: int | None = None
    precinct_column: int | None = None
    overvote_delimiter: str = ""
    overvote_label: str = ""
    skipped_rank_label: str = ""
    undeclared_write_in_label: str = ""
    treat_blank_as_undeclared_write_in: bool = False


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """One entry of ``candidates``: display name, vendor aliases/codes, exclusion."""

    name: str
    aliases: tuple[str, ...] = ()
    excluded: bool = False


@dataclass(slots=True)
class RctabConfig:
    """A validated RCTab contest configuration."""

    path: Path
    tabulator_version: str
    output: dict[str, object]
    sources: list[CvrSourceConfig]
    candidates: list[CandidateConfig]
    rules: dict[str, object]
    method: str
    options: dict[str, object]
    #: maxRankingsAllowed as a number ("max" = number of declared candidates).
    max_rankings: int
    #: True when some source can produce undeclared write-ins (RCTab then adds the
    #: "Undeclared Write-ins" pseudo-candidate).
    undeclared_write_ins: bool = False
    warnings: list[str] = field(default_factory=list)
    #: What sets ``max_rankings``, for error messages (default: rules.maxRankingsAllowed).
    max_rankings_name: str | None = None


# --------------------------------------------------------------------------- values


def _text(value: object) -> str:
    """A config value as RCTab's string fields see it (Jackson turns numbers into text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _blank(value: object) -> bool:
    return _text(value).strip() == ""


class _Checker:
    """Collects problems while reading a config, so all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, key: str, problem: str) -> None:
        self.problems.append(f"{key}: {problem}")

    def integer(
        self,
        key: str,
        value: object,
        low: int,
        high: int,
        *,
        required: bool,
    ) -> int | None:
        """An integer in ``[low, high]`` (``None`` when blank and optional)."""
        text = _text(value).strip()
        if text == "":
            if required:
                self.add(key, f"is required: an integer from {low} to {high}")
            return None
        number = whole(text) if _INT_RE.fullmatch(text) else None
        if isinstance(value, bool) or number is None:
            self.add(key, f"{value!r} is not an integer from {low} to {high}")
            return None
        if not low <= number <= high:
            self.add(key, f"{value!r} is out of range: must be an integer from {low} to {high}")
            return None
        return number

    def boolean(self, key: str, value: object, default: bool = False) -> bool:
        """A JSON boolean (``"true"``/``"false"`` strings are accepted, as Jackson does)."""
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.add(key, f"{value!r} is not true or false")
        return default

    def string(self, key: str, value: object) -> str:
        """A text value; numbers are accepted and turned into text."""
        if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return _text(value)
        self.add(key, f"{value!r} is not a text value")
        return ""

    def choice(self, key: str, value: object, allowed: tuple[str, ...]) -> str | None:
        """One of ``allowed`` (exact spelling)."""
        text = _text(value)
        if value is None or text.strip() == "":
            self.add(key, f"is required: one of {', '.join(allowed)}")
            return None
        if text not in allowed:
            self.add(key, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return text


def _int_or_option(
    check: _Checker, key: str, value: object, option: str, low: int
) -> tuple[bool, int | None]:
    """``(is_option, number)`` for rules such as maxRankingsAllowed ("max" or an integer)."""
    text = _text(value).strip()
    if text.lower() == option:
        return True, None
    number = whole(text) if _INT_RE.fullmatch(text) else None
    if isinstance(value, bool) or number is None or number < low:
        check.add(key, f"{value!r} must be {option!r} or an integer of at least {low}")
        return False, None
    if number > _MAX_INT:
        check.add(key, f"{value!r} is out of range: must be at most {_MAX_INT}")
        return False, None
    return False, number


# --------------------------------------------------------------------------- reading


def read_config(config_path: str | Path) -> RctabConfig:
    """Read and validate an RCTab contest config file.

    Raises :class:`BallotFileError` naming the file when it cannot be read, is not
    JSON, or breaks any of RCTab's validation rules (all problems in one message).
    """
    path = Path(config_path)
    try:
        raw_text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BallotFileError(path, None, "contest config file not found") from None
    except OSError as exc:
        raise BallotFileError(path, None, f"cannot read contest config: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BallotFileError(
            path, None, f"contest config is not UTF-8 text ({exc.reason})"
        ) from None
    try:
        raw = json.loads(raw_text)
    except json.JSONDecodeError as exc:
        raise BallotFileError(
            path, exc.lineno, f"contest config is not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise BallotFileError(path, None, "contest config is nested too deeply") from None
    except ValueError as exc:  # a number too long for int() (more than 4,300 digits)
        raise BallotFileError(path, None, f"contest config is not usable JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise BallotFileError(path, None, "contest config must be a JSON object")
    return _parse(path, raw)


def _parse(path: Path, raw: Mapping[str, object]) -> RctabConfig:
    check = _Checker()
    base = path.resolve().parent

    version = _text(raw.get("tabulatorVersion")).strip()
    if version == "":
        check.add("tabulatorVersion", "is required")

    output = _section(check, raw, "outputSettings")
    rules = _section(check, raw, "rules")
    if _blank(output.get("contestName")):
        check.add("outputSettings.contestName", "is required")
    by_precinct = check.boolean(
        "outputSettings.tabulateByPrecinct", output.get("tabulateByPrecinct")
    )
    by_batch = check.boolean("outputSettings.tabulateByBatch", output.get("tabulateByBatch"))
    cdf_json = check.boolean("outputSettings.generateCdfJson", output.get("generateCdfJson"))

    overvote_rule = check.choice("rules.overvoteRule", rules.get("overvoteRule"), OVERVOTE_RULES)
    sources = _parse_sources(check, raw, rules, base, overvote_rule, by_precinct, by_batch)
    candidates = _parse_candidates(check, raw, sources)
    declared = len(candidates)

    warnings: list[str] = []
    method, options, max_rankings = _parse_rules(check, rules, declared, overvote_rule, warnings)

    if check.problems:
        count = len(check.problems)
        noun = "problem" if count == 1 else "problems"
        raise BallotFileError(
            path,
            None,
            f"invalid RCTab contest config ({count} {noun}): " + "; ".join(check.problems),
        )
    uwi = any(s.undeclared_write_in_label or s.treat_blank_as_undeclared_write_in for s in sources)
    assert method is not None and max_rankings is not None
    output = dict(output)
    output["tabulateByPrecinct"] = by_precinct
    output["tabulateByBatch"] = by_batch
    output["generateCdfJson"] = cdf_json
    return RctabConfig(
        path=path,
        tabulator_version=version,
        output=output,
        sources=sources,
        candidates=candidates,
        rules=dict(rules),
        method=method,
        options=options,
        max_rankings=max_rankings,
        undeclared_write_ins=uwi,
        warnings=warnings,
    )


def _section(check: _Checker, raw: Mapping[str, object], key: str) -> dict[str, object]:
    value = raw.get(key)
    if value is None:
        check.add(key, "is required")
        return {}
    if not isinstance(value, dict):
        check.add(key, "must be a JSON object")
        return {}
    return value


def _parse_sources(
    check: _Checker,
    raw: Mapping[str, object],
    rules: Mapping[str, object],
    base: Path,
    overvote_rule: str | None,
    by_precinct: bool,
    by_batch: bool,
) -> list[CvrSourceConfig]:
    entries = raw.get("cvrFileSources")
    if not isinstance(entries, list) or not entries:
        check.add("cvrFileSources", "the config must list at least one cast vote record file")
        return []
    sources: list[CvrSourceConfig] = []
    seen: set[Path] = set()
    for number, entry in enumerate(entries, start=1):
        key = f"cvrFileSources[{number}]"
        if not isinstance(entry, dict):
            check.add(key, "must be a JSON object")
            continue
        source = _parse_source(check, key, entry, rules, base, overvote_rule, by_precinct, by_batch)
        if source is None:
            continue
        resolved = source.path.resolve()
        if resolved in seen:
            check.add(f"{key}.filePath", f"{source.file_path!r} is listed more than once")
        seen.add(resolved)
        sources.append(source)
    return sources


def _label(entry: Mapping[str, object], rules: Mapping[str, object], key: str) -> object:
    # Configs written before RCTab 1.3 kept the labels in ``rules``.
    if key in entry:
        return entry[key]
    return rules.get(key)


def _parse_source(
    check: _Checker,
    key: str,
    entry: Mapping[str, object],
    rules: Mapping[str, object],
    base: Path,
    overvote_rule: str | None,
    by_precinct: bool,
    by_batch: bool,
) -> CvrSourceConfig | None:
    file_path = check.string(f"{key}.filePath", entry.get("filePath"))
    provider = check.choice(f"{key}.provider", entry.get("provider"), PROVIDERS)
    if file_path.strip() == "":
        check.add(f"{key}.filePath", "is required")
    where = f"{key} ({file_path})" if file_path.strip() else key

    def col(name: str, required: bool, high: int = _MAX_COLUMN) -> int | None:
        return check.integer(f"{where}.{name}", entry.get(name), 1, high, required=required)

    tabular = provider in ("ess", "genericCsv")
    first_column = col("firstVoteColumnIndex", tabular)
    first_row = col("firstVoteRowIndex", tabular, _MAX_ROW)
    id_column = col("idColumnIndex", False)
    batch_column = col("batchColumnIndex", False)
    precinct_column = col("precinctColumnIndex", False)
    if provider is not None and not tabular:
        for name in (
            "firstVoteColumnIndex",
            "firstVoteRowIndex",
            "idColumnIndex",
            "batchColumnIndex",
            "precinctColumnIndex",
            "overvoteDelimiter",
        ):
            if not _blank(entry.get(name)):
                check.add(f"{where}.{name}", f"must not be set for provider {provider!r}")

    delimiter = check.string(f"{where}.overvoteDelimiter", entry.get("overvoteDelimiter"))
    overvote_label = check.string(f"{where}.overvoteLabel", _label(entry, rules, "overvoteLabel"))
    skipped = _label(entry, rules, "skippedRankLabel")
    if skipped is None:
        skipped = _label(entry, rules, "undervoteLabel")
    skipped_label = check.string(f"{where}.skippedRankLabel", skipped)
    uwi_label = check.string(
        f"{where}.undeclaredWriteInLabel", _label(entry, rules, "undeclaredWriteInLabel")
    )
    blank_is_uwi = check.boolean(
        f"{where}.treatBlankAsUndeclaredWriteIn",
        _label(entry, rules, "treatBlankAsUndeclaredWriteIn"),
    )
    contest_id = check.string(f"{where}.contestId", entry.get("contestId"))

    if delimiter and (
        re.search(r"\\", delimiter) or re.fullmatch(r"[a-zA-Z0-9.',\-\"\s]+", delimiter)
    ):
        check.add(
            f"{where}.overvoteDelimiter",
            f"{delimiter!r} is not allowed (no backslash; not only letters, digits, "
            "spaces or .',-\" characters)",
        )
    if delimiter and overvote_label:
        check.add(
            f"{where}.overvoteDelimiter", "overvoteDelimiter and overvoteLabel can't both be set"
        )
    labels = {
        "overvoteLabel": overvote_label,
        "skippedRankLabel": skipped_label,
        "undeclaredWriteInLabel": uwi_label,
    }
    for name, value in labels.items():
        if not value:
            continue
        if value.lower() in (r.lower() for r in RESERVED_NAMES):
            check.add(f"{where}.{name}", f"{value!r} is a reserved term")
        for other, other_value in labels.items():
            if other < name and other_value and other_value.lower() == value.lower():
                check.add(f"{where}.{name}", f"{value!r} is also used as {other}")
    if overvote_label and overvote_rule == "exhaustIfMultipleContinuing":
        check.add(
            f"{where}.overvoteLabel",
            "when overvoteLabel is set, rules.overvoteRule must be exhaustImmediately or "
            "alwaysSkipToNextRank",
        )
    if provider == "ess" and not delimiter and overvote_rule == "exhaustIfMultipleContinuing":
        check.add(
            f"{where}.overvoteDelimiter",
            "is required for an ES&S source when rules.overvoteRule is exhaustIfMultipleContinuing",
        )
    if blank_is_uwi and provider not in (None, "ess"):
        check.add(
            f"{where}.treatBlankAsUndeclaredWriteIn", f"must not be true for provider {provider!r}"
        )
    if provider in ("dominion", "hart", "clearBallot", "cdf") and contest_id.strip() == "":
        check.add(f"{where}.contestId", f"is required for provider {provider!r}")
    if provider in ("ess", "genericCsv") and contest_id.strip() != "":
        check.add(f"{where}.contestId", f"must not be set for provider {provider!r}")
    if provider == "cdf" and file_path and not file_path.lower().endswith((".json", ".xml")):
        check.add(f"{where}.filePath", "a CDF source must be a .json or .xml file")
    if by_precinct and provider == "cdf":
        check.add("outputSettings.tabulateByPrecinct", "may not be used with CDF sources")
    if by_precinct and tabular and precinct_column is None:
        check.add(
            f"{where}.precinctColumnIndex",
            "is required when outputSettings.tabulateByPrecinct is true",
        )
    if by_batch and tabular and batch_column is None:
        check.add(
            f"{where}.batchColumnIndex", "is required when outputSettings.tabulateByBatch is true"
        )

    if file_path.strip() == "":
        return None
    path = Path(file_path)
    if not path.is_absolute():
        path = base / path
    if not path.exists():
        check.add(f"{where}.filePath", f"cast vote record file not found: {path}")
    if provider is None:
        return None
    return CvrSourceConfig(
        file_path=file_path,
        path=path,
        provider=provider,
        contest_id=contest_id,
        first_vote_column=first_column,
        first_vote_row=first_row,
        id_column=id_column,
        batch_column=batch_column,
        precinct_column=precinct_column,
        overvote_delimiter=delimiter,
        overvote_label=overvote_label,
        skipped_rank_label=skipped_label,
        undeclared_write_in_label=uwi_label,
        treat_blank_as_undeclared_write_in=blank_is_uwi,
    )


def _parse_candidates(
    check: _Checker, raw: Mapping[str, object], sources: list[CvrSourceConfig]
) -> list[CandidateConfig]:
    entries = raw.get("candidates")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        check.add("candidates", "must be a list")
        return []
    labels = {
        label.lower(): f"a label of {source.file_path}"
        for source in sources
        for label in (
            source.overvote_label,
            source.skipped_rank_label,
            source.undeclared_write_in_label,
        )
        if label
    }
    seen: set[str] = set()
    candidates: list[CandidateConfig] = []
    for number, entry in enumerate(entries, start=1):
        key = f"candidates[{number}]"
        if not isinstance(entry, dict):
            check.add(key, "must be a JSON object")
            continue
        name = check.string(f"{key}.name", entry.get("name"))
        if name.strip() == "":
            check.add(f"{key}.name", "every candidate needs a name")
            continue
        aliases_raw = entry.get("aliases") or []
        if not isinstance(aliases_raw, list):
            check.add(f"{key}.aliases", "must be a list")
            aliases_raw = []
        aliases = [check.string(f"{key}.aliases", a) for a in aliases_raw]
        code = _text(entry.get("code")).strip()  # pre-1.3 configs: one vendor code
        if code:
            aliases.append(code)
        aliases = [a for a in dict.fromkeys(aliases) if a and a != name]
        for value in (name, *aliases):
            if value in seen:
                check.add(f"{key}", f"duplicate candidate name or alias {value!r}")
            elif value.lower() in (r.lower() for r in RESERVED_NAMES):
                check.add(f"{key}", f"{value!r} is a reserved term and can't name a candidate")
            elif value.lower() in labels:
                check.add(f"{key}", f"{value!r} is also used as {labels[value.lower()]}")
            seen.add(value)
        excluded = check.boolean(f"{key}.excluded", entry.get("excluded"))
        candidates.append(CandidateConfig(name, tuple(aliases), excluded))
    if not candidates:
        check.add("candidates", "the config must declare at least one candidate")
    elif all(c.excluded for c in candidates):
        check.add("candidates", "at least one candidate must not be excluded")
    return candidates


#: rules key -> (option name, converter). The converter gets the checker, the key
#: and the raw value and returns the option value. Keys not listed here and not in
#: :data:`_IGNORED_RULES` are reported as unknown.
RuleConverter = Callable[["_Checker", str, object], object]


def _bool_rule(check: _Checker, key: str, value: object) -> bool:
    return check.boolean(key, value)


def _seed_rule(check: _Checker, key: str, value: object) -> int | None:
    return check.integer(key, value, _MIN_RANDOM_SEED, _MAX_RANDOM_SEED, required=False)


def _min_votes_rule(check: _Checker, key: str, value: object) -> int:
    number = check.integer(key, value, 0, _MAX_MINIMUM_VOTE_THRESHOLD, required=False)
    return number or 0


def _stop_rule(check: _Checker, key: str, value: object) -> int | None:
    return check.integer(key, value, 1, 2**31 - 1, required=False)


def _percent_rule(check: _Checker, key: str, value: object) -> Fraction | None:
    number = check.integer(key, value, 1, 100, required=False)
    return None if number is None else Fraction(number, 100)


RULE_OPTIONS: dict[str, tuple[str, RuleConverter]] = {
    "exhaustOnDuplicateCandidate": ("exhaust_on_duplicate", _bool_rule),
    "randomSeed": ("random_seed", _seed_rule),
    "nonIntegerWinningThreshold": ("non_integer_threshold", _bool_rule),
    "hareQuota": ("hare_quota", _bool_rule),
    "batchElimination": ("batch_elimination", _bool_rule),
    "continueUntilTwoCandidatesRemain": ("continue_until_two", _bool_rule),
    "doesFirstRoundDetermineThreshold": ("first_round_determines_threshold", _bool_rule),
    "minimumVoteThreshold": ("minimum_vote_threshold", _min_votes_rule),
    "stopTabulationEarlyAfterRound": ("stop_after_round", _stop_rule),
    "cutoffElimination": ("cutoff_elimination", _bool_rule),
    "multiSeatBottomsUpPercentageThreshold": ("bottoms_up_percentage", _percent_rule),
}

#: Rule keys read elsewhere in this module or with no effect on counting.
_HANDLED_RULES = {
    "winnerElectionMode",
    "numberOfWinners",
    "overvoteRule",
    "maxSkippedRanksAllowed",
    "maxRankingsAllowed",
    "tiebreakMode",
    "decimalPlacesForVoteArithmetic",
}
_IGNORED_RULES = {
    "rulesDescription",
    # Pre-1.3 configs kept these per-source settings in rules; read by _parse_source.
    "treatBlankAsUndeclaredWriteIn",
    "overvoteLabel",
    "skippedRankLabel",
    "undervoteLabel",
    "undeclaredWriteInLabel",
}


def _parse_rules(
    check: _Checker,
    rules: Mapping[str, object],
    declared: int,
    overvote_rule: str | None,
    warnings: list[str],
) -> tuple[str | None, dict[str, object], int | None]:
    mode = check.choice(
        "rules.winnerElectionMode", rules.get("winnerElectionMode"), tuple(WINNER_MODES)
    )
    tiebreak = check.choice("rules.tiebreakMode", rules.get("tiebreakMode"), TIEBREAK_MODES)
    options: dict[str, object] = {}

    for key in sorted(set(rules) - _HANDLED_RULES - _IGNORED_RULES - set(RULE_OPTIONS)):
        # RCTab ignores keys it does not know; we say so, so a typo does not pass silently.
        warnings.append(f"rules.{key}: unknown rule ignored (value {rules[key]!r})")

    for key, (option, convert) in RULE_OPTIONS.items():
        if key in rules:
            options[option] = convert(check, f"rules.{key}", rules[key])
        else:
            options[option] = convert(check, f"rules.{key}", None)

    # RCTab once capped numberOfWinners at the number of candidates; the snapshot does
    # not (case more_winners_than_candidates elects everyone), so neither do we.
    seats = check.integer(
        "rules.numberOfWinners", rules.get("numberOfWinners"), 0, 2**31 - 1, required=True
    )
    decimals = check.integer(
        "rules.decimalPlacesForVoteArithmetic",
        rules.get("decimalPlacesForVoteArithmetic"),
        1,
        20,
        required=True,
    )
    is_max, max_rankings = _int_or_option(
        check, "rules.maxRankingsAllowed", rules.get("maxRankingsAllowed"), "max", 1
    )
    is_unlimited, max_skipped = _int_or_option(
        check, "rules.maxSkippedRanksAllowed", rules.get("maxSkippedRanksAllowed"), "unlimited", 0
    )

    if tiebreak in _RANDOM_TIEBREAKS and _blank(rules.get("randomSeed")):
        check.add("rules.randomSeed", f"is required when rules.tiebreakMode is {tiebreak!r}")

    percentage = options.get("bottoms_up_percentage")
    if seats is not None:
        if seats > 0 and mode == "bottomsUpUsingPercentageThreshold":
            check.add("rules.numberOfWinners", f"must be 0 when winnerElectionMode is {mode!r}")
        if seats > 1 and mode != "multiPassIrv":
            if options.get("continue_until_two"):
                check.add(
                    "rules.continueUntilTwoCandidatesRemain",
                    "can't be true in a multi-seat contest unless winnerElectionMode is "
                    "multiPassIrv",
                )
            if options.get("batch_elimination"):
                check.add(
                    "rules.batchElimination",
                    "can't be true in a multi-seat contest unless winnerElectionMode is "
                    "multiPassIrv",
                )
        if seats == 1 and mode is not None and mode != "singleWinnerMajority":
            check.add(
                "rules.winnerElectionMode", f"{mode!r} can't be used in a single-seat contest"
            )
        if seats == 0:
            if mode is not None and mode != "bottomsUpUsingPercentageThreshold":
                check.add(
                    "rules.numberOfWinners",
                    "can be 0 only when winnerElectionMode is bottomsUpUsingPercentageThreshold",
                )
            if percentage is None:
                check.add(
                    "rules.multiSeatBottomsUpPercentageThreshold",
                    "is required when numberOfWinners is 0",
                )
    if mode == "bottomsUpUsingPercentageThreshold" and options.get("batch_elimination"):
        check.add("rules.batchElimination", f"can't be true when winnerElectionMode is {mode!r}")
    if mode not in (None, *_STV_MODES):
        for option, key in (
            ("non_integer_threshold", "nonIntegerWinningThreshold"),
            ("hare_quota", "hareQuota"),
        ):
            if options.get(option):
                check.add(f"rules.{key}", f"can't be true when winnerElectionMode is {mode!r}")
    if options.get("non_integer_threshold") and options.get("hare_quota"):
        check.add("rules.hareQuota", "nonIntegerWinningThreshold and hareQuota can't both be true")

    if mode is None or tiebreak is None or overvote_rule is None or check.problems:
        return None, options, None

    method, extra = WINNER_MODES[mode]
    options.update(extra)
    options.update(
        seats=seats,
        overvote_rule=overvote_rule,
        max_skipped_ranks=None if is_unlimited else max_skipped,
        max_rankings=None if is_max else max_rankings,
        tiebreak_mode=tiebreak,
        decimal_places=decimals,
        tiebreak_order=None,
    )
    resolved_max = declared if is_max else max_rankings
    return method, dict(sorted(options.items())), resolved_max


_STV_MODES = ("multiWinnerAllowMultipleWinnersPerRound", "multiWinnerAllowOnlyOneWinnerPerRound")
