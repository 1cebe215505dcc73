"""The `cimtrain` command: the workflow's stages outside Snakemake."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import cimtrain

# The modules behind the commands are imported by the command that needs them: torch alone takes
# seconds to import, and `cimtrain --help` should answer at once.


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="YAML config file")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a key, e.g. train.batch_size=100")


def _validate_config(args: argparse.Namespace) -> None:
    from cimtrain import config as run_config

    config = run_config.load(args.config, args.overrides)
    json.dump(config, sys.stdout, indent=1)
    print()


def _train(args: argparse.Namespace) -> None:
    from cimtrain import config as run_config
    from cimtrain import stages

    config = run_config.load(args.config, args.overrides)
    stages.train_in_one_process(config, args.results, args.resources, args.threads)


def _hardware_file(args: argparse.Namespace) -> None:
    from cimtrain import config as run_config
    from cimtrain import hardware

    config = run_config.load(args.config, args.overrides)
    if args.out.is_dir():
        raise run_config.ConfigError(f"--out {args.out}: is a directory; name the file to write")
    path = hardware.write_hardware_file(hardware.hardware_from_config(config), args.out)
    print(f"wrote {path}")


def _estimate(args: argparse.Namespace) -> None:
    """Check config and trace, then estimate into a private scratch directory under a lock on
    --out, so that concurrent runs with one --out take turns and each prints its own results."""
    from cimtrain import config as run_config
    from cimtrain import estimator, files, trace
    from cimtrain.models import LayerGeometry

    config = run_config.load(args.config, args.overrides, full=False)
    checked = trace.validate_trace(args.trace)
    network = [LayerGeometry(layer.name, layer.kind, *layer.row) for layer in checked.layers]
    run_config.check_run(config, str(args.config), network=network,
                         weight_bits=checked.meta["weight_bits"], training=False)
    if args.out.exists() and not args.out.is_dir():
        raise run_config.ConfigError(f"--out {args.out}: exists and is not a directory")
    with files.exclusive_lock(args.out):
        scratch = Path(tempfile.mkdtemp(prefix=".estimate.", dir=args.out))
        try:
            estimator.estimate(args.trace, config, scratch,
                               args.build_dir or estimator.DEFAULT_BUILD_DIR,
                               log=lambda line: print(line, file=sys.stderr))
            chip_csv = (scratch / "neurosim.csv").read_text()
            # neurosim.csv last: its presence marks a complete estimate.
            last = "neurosim.csv"
            for name in ["hardware.txt", *(n for n in estimator.OUTPUT_FILES if n != last), last]:
                os.replace(scratch / name, args.out / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    print(chip_csv, end="")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cimtrain", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cimtrain {cimtrain.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate-config",
                                   help="check a config and print it with defaults filled in")
    _add_config_arguments(validate)
    validate.set_defaults(func=_validate_config)

    train = commands.add_parser("train", help="run every epoch in this process (no Snakemake)")
    _add_config_arguments(train)
    train.add_argument("--results", type=Path, default=Path("results"))
    train.add_argument("--resources", type=Path, default=Path("resources"))
    train.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    train.set_defaults(func=_train)

    hardware_file = commands.add_parser(
        "hardware-file", help="write the estimator's hardware file of a config or preset")
    _add_config_arguments(hardware_file)
    hardware_file.add_argument("--out", type=Path, required=True, help="file to write")
    hardware_file.set_defaults(func=_hardware_file)

    estimate = commands.add_parser(
        "estimate",
        help="build NeuroSIM if needed and estimate the chip on a cim-trace/2 (or /1) trace")
    _add_config_arguments(estimate)
    estimate.add_argument("--trace", type=Path, required=True, help="trace directory")
    estimate.add_argument("--out", type=Path, required=True, help="output directory")
    estimate.add_argument("--build-dir", type=Path, default=None,
                          help="where NeuroSIM is built (default: a per-user cache)")
    estimate.set_defaults(func=_estimate)

    _add_trace_validate(commands)
    return parser


def _add_trace_validate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "trace-validate", help="check a cim-trace/2 (or /1) directory",
        description="Check a trace directory against cim-trace/2 (or /1); print a summary, or the "
                    "first problem (naming the file) and exit with status 1.")
    parser.add_argument("directory", metavar="DIR", type=Path, help="trace directory")
    parser.add_argument("--network", type=Path, default=None,
                        help="network.csv the trace's layers must equal")
    parser.set_defaults(func=_trace_validate)


def _trace_validate(args: argparse.Namespace) -> None:
    from cimtrain import trace

    trace.run_validate_cli(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from cimtrain.workflow_io import INPUT_ERRORS

    try:
        args.func(args)
    except INPUT_ERRORS as error:
        print(f"cimtrain: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
