"""The one path for output (formats.py): every registered renderer exists, every command offers the
formats registered for it, every JSON output has a schema that a real output validates against,
and the schemas are closed (no unknown key) and pin their enums."""

from __future__ import annotations

import copy
import importlib

import jsonschema
import pytest
from conftest import run

from kvinnofrid_ledger import formats

VALIDATOR = jsonschema.Draft202012Validator


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """A real --format json output of every kind registered with a json renderer, from a project
    made by `ledger init`: kind → [(command, document)]."""
    tmp = tmp_path_factory.mktemp("outputs")
    assert run("init", tmp / "proj", "--date", "2019-01-01").exit_code == 0
    assert run("init", "--empty", tmp / "empty").exit_code == 0
    ledger, empty = tmp / "proj" / "ledger.toml", tmp / "empty" / "ledger.toml"
    csv_file = tmp / "export.csv"

    def json_of(*args, status=0):
        result = run(*args)
        assert result.exit_code == status, result
        return (" ".join(map(str, args[:3])), result.json())

    made = {
        "record": [
            json_of("record", "-d", "2019-02-01", "--line", "rss", "-a", "600000", "-c", "01", "--reference", "R1", "-f", "json", "--ledger", ledger),
            json_of("record", "-d", "2019-02-01", "--line", "rss", "-a", "9000000", "-c", "03", "-f", "json", "--ledger", ledger, status=1),
            json_of("reverse", "2", "--reason", "wrong county", "--dry-run", "-f", "json", "--ledger", ledger),
        ],
        "allocate": [json_of("allocate", "2019", "-f", "json"), json_of("allocate", "-f", "json")],
        "terms": [json_of("terms", "-f", "json", "--ledger", ledger)],
        "terms-history": [json_of("terms", "--history", "-f", "json", "--ledger", ledger)],
        "check": [json_of("check", "-f", "json", "--ledger", ledger)],
        "list": [json_of("list", "-f", "json", "--ledger", ledger)],
        "status": [json_of("status", "2019", "-f", "json", "--ledger", ledger), json_of("status", "-f", "json", "--ledger", ledger)],
        "export": [json_of("export", "-f", "json", "--ledger", ledger)],
        "schema": [json_of("schema")],
    }
    assert run("export", "-o", csv_file, "--ledger", ledger).exit_code == 0
    made["import"] = [json_of("import", csv_file, "--dry-run", "-f", "json", "--ledger", empty)]
    made["amend"] = [json_of("amend", "--source", "Regeringsbeslut S2018/00001", "--dry-run", "-f", "json", "--ledger", empty)]
    return made


def test_every_renderer_in_the_registry_exists():
    for (kind, fmt), name in formats.RENDERERS.items():
        assert callable(formats.renderer(kind, fmt)), (kind, fmt, name)
        module = name.split(":")[0]
        assert importlib.util.find_spec(f"kvinnofrid_ledger.{module}"), name


@pytest.mark.parametrize("command", ["allocate", "terms", "record", "reverse", "check", "list", "status", "export", "import", "amend"])
def test_each_command_offers_the_formats_registered_for_its_report(command):
    kind = {"reverse": "record"}.get(command, command)
    offered = [fmt for report, fmt in formats.RENDERERS if report == kind]
    assert f"[{'|'.join(offered)}]" in " ".join(run(command, "--help").stdout.split())


def test_a_format_not_registered_is_a_usage_error():
    result = run("status", "--format", "xlsx")
    assert result.exit_code == 2 and "xlsx" in result.stderr and result.stdout == ""


def test_every_json_output_validates_against_its_schema(outputs):
    """Derived from the registry: a kind given a json renderer without a schema and a test here fails."""
    kinds = {kind for kind, fmt in formats.RENDERERS if fmt == "json"}
    assert kinds == set(outputs)
    everything = run("schema").json()
    assert set(everything) == set(formats.SCHEMA_NAMES)
    for kind, documents in outputs.items():
        name = formats.SCHEMA_OF.get(kind, kind)
        for command, document in documents:
            if not name:  # `ledger schema` prints schemas: each must be a valid one
                for schema in document.values():
                    VALIDATOR.check_schema(schema)
                continue
            schema = everything[name]
            VALIDATOR.check_schema(schema)
            jsonschema.validate(document, schema, cls=VALIDATOR, format_checker=jsonschema.FormatChecker())


def _fails(document, name: str) -> bool:
    try:
        jsonschema.validate(document, run("schema", name).json(), cls=VALIDATOR)
    except jsonschema.ValidationError:
        return True
    return False


@pytest.mark.parametrize("kind", ["allocate", "terms", "terms-history", "record", "amend", "import", "check", "export", "status"])
def test_a_document_with_an_unknown_key_fails_its_schema(outputs, kind):
    name = formats.SCHEMA_OF.get(kind, kind)
    document = outputs[kind][0][1]
    assert not _fails(document, name)
    assert _fails(dict(document, surprise=1), name)


def test_an_unknown_key_inside_fails_too(outputs):
    export = copy.deepcopy(outputs["export"][0][1])
    export["entries"][0]["approved_by"] = "someone"
    assert _fails(export, "export")
    check = copy.deepcopy(outputs["check"][0][1])
    check["terms"]["extra"] = True
    assert _fails(check, "check")
    status = copy.deepcopy(outputs["status"][1][1])
    status["years"][0]["pots"][0]["spent"] = 0
    assert _fails(status, "status")


def test_kinds_and_rules_are_enums(outputs):
    export = outputs["export"][0][1]
    assert export["entries"] and export["terms"]
    for field, where, bad in (("kind", "entries", "gift"), ("kind", "entries", "terms"), ("kind", "terms", "disbursement")):
        document = copy.deepcopy(export)
        document[where][0][field] = bad
        assert _fails(document, "export"), (where, bad)
    check = copy.deepcopy(outputs["check"][0][1])
    check["violations"] = [{"rule": "whim", "entry": None, "line": None, "message": "m"}]
    assert _fails(check, "check")
    check["violations"][0]["rule"] = "ceiling"
    check["ok"] = False
    assert not _fails(check, "check")
    terms = copy.deepcopy(outputs["terms"][0][1])
    terms["found"] = "somewhere"
    assert _fails(terms, "terms")


def test_the_rule_enum_names_every_rule_the_package_reports():
    """Every rule name given to a Problem in the package's source (directly, or through checks.py's
    `_at` and `_over`) is in the check schema's enum, and nothing else is."""
    import ast
    import typing
    from pathlib import Path

    import kvinnofrid_ledger
    from kvinnofrid_ledger.reports import RuleName

    found = set()
    for path in Path(kvinnofrid_ledger.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Problem", "_at", "_over"):
                arg = node.args[0 if node.func.id == "Problem" else 1] if node.args else None
                if isinstance(arg, ast.Constant):
                    found.add(arg.value)
                elif isinstance(arg, ast.Name) and arg.id in constants:
                    found.add(constants[arg.id])
    assert found == set(typing.get_args(RuleName))


@pytest.mark.parametrize(("kind", "fmt"), sorted(formats.NOT_FOR_A_TERMINAL))
def test_what_is_not_for_a_terminal_is_refused_there_and_written_to_a_pipe(tmp_path, kind, fmt):
    """Derived from the registry: each output marked not for a terminal is one error line and
    exit 2 on one, with nothing written, and reaches a pipe whole."""
    import os
    import pty
    import subprocess

    from conftest import BIN

    assert run("init", tmp_path / "proj", "--date", "2019-01-01").exit_code == 0
    ledger = tmp_path / "proj" / "ledger.toml"
    args = {"report": ["report"], "export": ["export", "--format", fmt]}[kind]
    command = [str(BIN / "ledger"), *args, "--ledger", str(ledger)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KVINNOFRID_LEDGER")} | {"KVINNOFRID_LEDGER_CACHE": os.environ["KVINNOFRID_LEDGER_CACHE"]}
    before = sorted(os.listdir(tmp_path / "proj"))
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(command, stdout=secondary, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, timeout=60)
    finally:
        os.close(secondary)
        os.close(primary)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert sorted(os.listdir(tmp_path / "proj")) == before
    piped = subprocess.run(command, capture_output=True, env=env, cwd=tmp_path, timeout=60)
    assert piped.returncode == 0 and len(piped.stdout) > 100, piped.stderr
