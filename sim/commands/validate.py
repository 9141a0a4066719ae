"""``buurtsim validate FILE...``: check input files without running them.

Each file's kind is recognised from its content (an explicit ``kind = "..."`` wins):
scenario, experiment, study, calibration targets or priors. A new kind plugs in with
:func:`register_kind`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileKind:
    """A kind of input file: how to recognise its parsed TOML and how to check it."""

    name: str
    recognise: Callable[[dict], bool]
    check: Callable[[Path, object], str]  # (path, args) -> one-line summary; raises UserError


KINDS: list[FileKind] = []


def register_kind(kind: FileKind, *, first: bool = True) -> None:
    """Add a file kind; recognisers are tried in order (``first`` puts it before the others)."""
    KINDS.insert(0 if first else len(KINDS), kind)


def _check_scenario(path: Path, args) -> str:
    from sim.budget import check_size
    from sim.scenario import load_scenario

    s = load_scenario(path)
    size = check_size(s, str(path), allow_large=getattr(args, "allow_large", False))
    return (
        f"scenario {s.name!r}, about {size.residents:,} residents × {size.days} days, "
        f"hash {s.content_hash()[:12]}"
    )


def _check_experiment(path: Path, args) -> str:
    from sim.budget import check_size
    from sim.experiments.design import count_points
    from sim.experiments.spec import load_experiment

    exp = load_experiment(path)
    check_size(exp.base, str(path), allow_large=getattr(args, "allow_large", False))
    points = count_points(exp)
    return (
        f"experiment {exp.spec.name!r}, {exp.spec.design.method} design: {points} points × "
        f"{exp.spec.replications} replications"
    )


def _check_targets(path: Path, args) -> str:
    from sim.calibrate.targets import load_targets

    t = load_targets(path)
    return f"calibration targets, {len(t.used())} of {len(t.target)} used"


def _check_priors(path: Path, args) -> str:
    from sim.calibrate.priors import load_priors

    p = load_priors(path)
    return f"calibration priors, {len(p.parameter)} free parameters"


def _check_study(path: Path, args) -> str:
    from sim.budget import check_size
    from sim.study.spec import validate_study_file

    study = validate_study_file(path)
    check_size(study.base, str(path), allow_large=getattr(args, "allow_large", False))
    return (
        f"study {study.spec.name!r}: {len(study.spec.designs)} designs × "
        f"{study.spec.replications} replications"
    )


for _kind in (
    FileKind("scenario", lambda d: True, _check_scenario),
    FileKind("priors", lambda d: "parameter" in d, _check_priors),
    FileKind("targets", lambda d: "target" in d, _check_targets),
    FileKind(
        "experiment",
        lambda d: "design" in d or "replications" in d or isinstance(d.get("factors"), list),
        _check_experiment,
    ),
    FileKind("study", lambda d: isinstance(d.get("designs"), list), _check_study),
):
    register_kind(_kind)


def kind_of(data: dict) -> FileKind:
    """The kind of a parsed file: its ``kind`` key if it names one, else the first match."""
    declared = data.get("kind")
    for kind in KINDS:
        if kind.name == declared:
            return kind
    return next(k for k in KINDS if k.recognise(data))


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario, experiment, study, targets or priors files",
        description="Check input files without running them: scenarios (also their size "
        "budget), experiments, study files, calibration targets and priors; the kind is recognised "
        "from the content. Names of shipped files work too (e.g. 'baseline'). Exit 2 if "
        "any file is bad.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="TOML files or shipped names")
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="do not apply the size budget (residents × days) to scenarios",
    )
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from sim.errors import UserError
    from sim.shipped import find, resolve
    from sim.tomlfile import read_toml

    bad = 0
    for name in args.files:
        try:
            path = find(name) or find(name, "experiment") or resolve(name)
            data = read_toml(path)
            kind = kind_of(data)
            summary = kind.check(path, args)
        except UserError as e:
            bad += 1
            print(f"error: {e}", file=sys.stderr)
        else:
            print(f"ok: {path} ({summary})")
    if bad:
        print(f"{bad} of {len(args.files)} file(s) have errors", file=sys.stderr)
    return 2 if bad else 0
