"""The `probgraph` command: arguments in, one library call, output and an exit code out.

Exit codes: 0 success; 1 validation found violations; 2 bad usage or unreadable input;
3 a remote endpoint failed. Errors are one line (with file:line:col where they apply), never a
traceback.
"""

from __future__ import annotations

import sys

from .errors import EXIT_OK, EXIT_USAGE, ProbgraphError, UsageError, first_line

EPILOG = """exit codes:
  0  success
  1  validation found violations (or warnings, with --strict)
  2  bad usage or unreadable input (file:line:col in the message)
  3  a remote endpoint failed (refused, timed out, HTTP error, rejected query)

examples:
  probgraph queries
  probgraph query predecessors -p org=north-east-region
  probgraph lineage northumbria-probation-trust
  probgraph validate my-entry.ttl
  probgraph export --format turtle -o probgraph.ttl
"""


OUTPUT_HELP = ("write to FILE instead of standard output: a regular file is replaced atomically (keeping its "
               "mode; a symlink's target is replaced, a hard-linked file rewritten in place); a device, pipe or "
               "- is written to directly")


def _fail(exc: ProbgraphError) -> int:
    print(f"probgraph: error: {exc}", file=sys.stderr)
    return exc.exit_code


def _seconds(text: str) -> float:
    """A finite, positive number of seconds (argparse type)."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > 7 * 24 * 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0 and at most a week")
    return value


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-p {pair!r} is not NAME=VALUE", "e.g. -p org=northumbria-crc")
        if key in out:
            raise UsageError(f"parameter {key!r} given twice")
        out[key] = value
    return out


QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples")


class _Args:
    """What argparse would give for `query NAME [-p K=V]... [--format F]`, parsed without argparse."""

    def __init__(self, name: str, params: list[str], fmt: str | None) -> None:
        self.command, self.name, self.param, self.format = "query", name, params, fmt
        self.file = self.sparql = self.endpoint = self.output = self.default_graph = None
        self.timeout, self.no_cache = 30.0, False


def fast_query_args(argv: list[str]) -> _Args | None:
    """The common warm call, parsed by hand (argparse costs a warm query milliseconds to import and build).

    Anything else, help and every mistake included, returns None and goes through argparse, so the
    messages and exit codes stay argparse's.
    """
    if len(argv) < 2 or argv[0] != "query" or argv[1].startswith("-"):
        return None
    params: list[str] = []
    fmt = None
    rest = iter(argv[2:])
    for arg in rest:
        opt, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if opt in ("-p", "--param", "--format"):
            value = value if eq else next(rest, None)
            if value is None or (not eq and value.startswith("-")):
                return None
            if opt == "--format" and (fmt is not None or value not in QUERY_FORMATS):
                return None
            if opt == "--format":
                fmt = value
            else:
                params.append(value)
        elif arg.startswith("-p") and len(arg) > 2 and arg[2] != "=":
            params.append(arg[2:])
        else:
            return None
    return _Args(argv[1], params, fmt)


def build_parser():  # -> argparse.ArgumentParser
    import argparse

    from . import __version__

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # one line and exit 2, as for every other bad input
            self.print_usage(sys.stderr)
            raise SystemExit(_fail(UsageError(message, f"see: {self.prog} --help")))

    class _Version(argparse.Action):
        """--version, looked up only when asked for (it is read from the ontology file)."""

        def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
            super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

        def __call__(self, parser, namespace, values, option_string=None) -> None:
            print(f"probgraph {__version__}")
            parser.exit()

    p = _Parser(prog="probgraph", description="A knowledge graph of probation in England and Wales.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version)
    p.add_argument("--no-cache", action="store_true",
                   help="compile the graph afresh in a temporary folder instead of using the cache")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("queries", help="list stored queries, their descriptions and parameters")

    q = sub.add_parser("query", help="run a stored query, a query file or query text")
    q.add_argument("name", nargs="?", help="stored query name (see: probgraph queries)")
    q.add_argument("--file", help="run the SPARQL in this file")
    q.add_argument("--sparql", help="run this SPARQL text")
    q.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a parameter (slug, label or IRI for entities; YYYY[-MM[-DD]] for dates)")
    q.add_argument("--format", choices=QUERY_FORMATS,
                   help="output format (default: table on a terminal, csv when piped; turtle for CONSTRUCT)")
    q.add_argument("--endpoint", help="run on this SPARQL endpoint instead of the embedded graph")
    q.add_argument("--timeout", type=_seconds, default=30.0, help="seconds to wait for an endpoint (default 30)")
    q.add_argument("--default-graph", metavar="IRI",
                   help="with --endpoint: answer from this graph of the store (default-graph-uri)")
    q.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)

    v = sub.add_parser("validate", help="validate new entries (Turtle) together with the graph")
    v.add_argument("files", nargs="*", metavar="FILE",
                   help="the new entries; with none, the whole graph is validated (a few seconds)")
    v.add_argument("--format", choices=["text", "json", "turtle"], default="text")
    v.add_argument("--strict", action="store_true", help="exit 1 on warnings too")

    e = sub.add_parser("export", help="write the graph as RDF (byte-identical for the same inputs)")
    e.add_argument("--format", choices=["turtle", "ntriples", "nquads", "jsonld"], default="turtle")
    e.add_argument("--inferred", action="store_true", help="include what the OWL 2 RL reasoner derives")
    e.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)

    ld = sub.add_parser("load", help="upload the graph to a triplestore (Graph Store Protocol)")
    ld.add_argument("--endpoint", required=True,
                    help="the store's SPARQL query URL (Oxigraph: http://HOST:PORT/query) or its GSP URL")
    ld.add_argument("--graph", help="named graph IRI (default: the default graph)")
    ld.add_argument("--asserted-only", action="store_true",
                    help="upload only asserted triples (default: with the reasoner's closure)")
    ld.add_argument("--replace", action="store_true", help="replace the graph's content instead of adding")
    ld.add_argument("--timeout", type=_seconds, default=300.0, help="seconds to wait for the store (default 300)")

    ln = sub.add_parser("lineage", help="an organisation's predecessors and successors with dates")
    ln.add_argument("org", metavar="ORG", help="slug, label or IRI")
    ln.add_argument("--format", choices=["text", "mermaid", "dot"], default="text",
                    help="indented text, a Mermaid flowchart, or Graphviz DOT (dot -Tsvg makes an SVG)")

    s = sub.add_parser("show", help="everything about one entity, with its sources")
    s.add_argument("entity", metavar="ENTITY", help="slug (org/x or x), label or IRI")

    c = sub.add_parser("compile", help="compile the graph into the cache now")
    c.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    c.add_argument("--reasoner", choices=["native", "owlrl"],
                   help="native: the OWL 2 RL rule files in ontology/rules (default); owlrl: the reference "
                        "reasoner (slow). Other commands use $PROBGRAPH_REASONER, else native")

    cache = sub.add_parser("cache", help="cache housekeeping")
    cache.add_argument("action", choices=["clear", "info"])
    return p


def _notice(message: str) -> None:
    print(f"probgraph: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    from . import cache

    cache.notice = _notice
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = fast_query_args(argv)
        if args is None:
            parser = build_parser()
            args = parser.parse_args(argv)
            if not args.command:
                parser.print_help(sys.stderr)
                return EXIT_USAGE
        return _dispatch(args)
    except ProbgraphError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        print("probgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        return _fail(UsageError("out of memory", "the input is too large for this machine"))


def _write(data: bytes) -> None:
    from .outfile import write_output

    write_output(None, data)


def _dispatch(args) -> int:  # an argparse.Namespace or _Args
    import probgraph as api

    use_cache = not args.no_cache
    cmd = args.command
    if cmd == "queries":
        from .queries import stored_queries

        lines = []
        for name, q in stored_queries().items():
            lines.append(f"{name}\n  {q.title}\n  {q.description}")
            for prm in q.params:
                lines.append(f"  -p {prm.name}=<{prm.kind}>  {prm.description}")
            for ex in q.examples:
                lines.append(f"  e.g. probgraph query {name} {ex}")
            lines.append("")
        _write("\n".join(lines).encode("utf-8"))
        return EXIT_OK
    if cmd == "query":
        import io

        from .outfile import write_output
        from .output import write_result

        given = [x for x in (args.name, args.file, args.sparql) if x is not None]
        if len(given) != 1:
            raise UsageError("give exactly one of: a stored query NAME, --file FILE, --sparql TEXT",
                             "see: probgraph queries")
        result = api.run_query(args.name, file=args.file, sparql=args.sparql, params=_params(args.param),
                               endpoint=args.endpoint, use_cache=use_cache, timeout=args.timeout,
                               default_graph=args.default_graph)
        buffer = io.BytesIO()  # the whole answer first: an error while it is computed leaves no short output
        human = args.output in (None, "-") and sys.stdout is not None and sys.stdout.isatty()
        try:
            write_result(result, args.format, buffer, human=human)
        except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
            raise UsageError(f"the query failed while running: {first_line(exc)[:300]}") from None
        write_output(args.output, buffer.getvalue())
        return EXIT_OK
    if cmd == "export":
        from .outfile import write_output

        write_output(args.output, api.export(args.format, inferred=args.inferred, use_cache=use_cache))
        return EXIT_OK
    if cmd == "load":
        from .exchange import public_url
        from .remote import store_url

        print(f"uploading the {'asserted' if args.asserted_only else 'inferred'} graph to "
              f"{public_url(store_url(args.endpoint, args.graph))} "
              f"(one Graph Store Protocol request: all or nothing) ...", file=sys.stderr)
        n, url = api.load(args.endpoint, graph=args.graph, inferred=not args.asserted_only,
                          replace=args.replace, timeout=args.timeout)
        print(f"loaded {n} triples into {args.graph or 'the default graph'} at {url} (counted afterwards)",
              file=sys.stderr)
        return EXIT_OK
    if cmd == "lineage":
        _write(api.lineage(args.org, args.format, use_cache=use_cache).encode("utf-8"))
        return EXIT_OK
    if cmd == "show":
        _write(api.show(args.entity, use_cache=use_cache).encode("utf-8"))
        return EXIT_OK
    if cmd == "validate":
        from .validation import render_report

        report = api.validate(args.files, use_cache=use_cache)
        _write(render_report(report, args.format))
        return report.exit_code(strict=args.strict)
    if cmd == "compile":
        entry = api.compile_graph(rebuild=args.force, use_cache=use_cache, reasoner=args.reasoner)
        meta = entry.meta()
        print(f"compiled: {meta['asserted_triples']} asserted triples, {meta['closure_triples']} "
              f"with the closure ({meta['reasoner']} reasoner); cache {entry.path}", file=sys.stderr)
        return EXIT_OK
    if cmd == "cache":
        from .compile import cache_root, clear_cache

        if args.action == "clear":
            print(f"removed {clear_cache()} cache entries from {cache_root()}", file=sys.stderr)
        else:
            print(str(cache_root()))
        return EXIT_OK
    raise UsageError(f"unknown command {cmd!r}")


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
