"""``scatkit experiment NAME [--quick] [--out DIR]``."""

from __future__ import annotations


from ..experiments.framework import DEFAULT_OUT, EXPERIMENTS


def add_parser(sub) -> None:
    p = sub.add_parser("experiment", help="run one of the seed's experiments",
                       description="Run an experiment; writes DIR/NAME/results.json, "
                                   "table.md and PNG figures.")
    p.add_argument("name", choices=EXPERIMENTS, metavar="NAME",
                   help="one of: " + ", ".join(EXPERIMENTS))
    p.add_argument("--quick", action="store_true", help="a smaller problem (same keys), for tests")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: results/)")
    p.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..experiments.framework import run_experiment

    results = run_experiment(args.name, quick=args.quick, out=args.out, seed=args.seed,
                             progress=not args.no_progress)
    print(f"{args.name}: {len(results['metrics'])} metrics in {results['seconds']:.1f} s -> "
          f"{args.out}/{args.name}/results.json")
    for key, value in list(results["metrics"].items())[:40]:
        print(f"  {key} = {value:.6g}")
    return 0


