"""The `cimtrain` command: the workflow's stages outside Snakemake."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cimtrain import config as run_config
from cimtrain import stages, trace
from cimtrain.workflow_io import INPUT_ERRORS


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="YAML config file")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a key, e.g. train.batch_size=100")


def _validate_config(args: argparse.Namespace) -> None:
    config = run_config.load(args.config, args.overrides)
    json.dump(config, sys.stdout, indent=1)
    print()


def _train(args: argparse.Namespace) -> None:
    config = run_config.load(args.config, args.overrides)
    stages.train_in_one_process(config, args.results, args.resources, args.threads)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cimtrain", description=__doc__)
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

    trace.add_cli(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except INPUT_ERRORS as error:
        print(f"cimtrain: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
