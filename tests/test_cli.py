"""The command line, run as a user runs it (subprocess): output, exit codes, messages."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from helpers import ROOT


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "citymatch", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_rank_example_table(tmp_path):
    """`citymatch rank example` works from any directory and prints a table with a footer."""
    out = run("rank", "example", "--criteria", "partnership-city", "--top", "5", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["rank", "id", "name", "score"]
    assert len(lines) == 1 + 5 + 1
    assert "excluded by screening" in lines[-1] and "partnership-city" in lines[-1]


def test_rank_json_and_csv(tmp_path, cities_csv):
    """JSON output carries the ranking, exclusions, weights and version; CSV round-trips."""
    out = run("rank", cities_csv, "--criteria", "partnership-city", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["criteria"] == "partnership-city"
    assert abs(sum(doc["weights"].values()) - 1) < 1e-12
    assert doc["ranking"][0]["rank"] == 1 and doc["excluded"]
    target = tmp_path / "ranked.csv"
    out = run(
        "rank",
        cities_csv,
        "--criteria",
        "friendship-city",
        "--missing",
        "worst",
        "--format",
        "csv",
        "--output",
        target,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert pd.read_csv(target)["rank"].min() == 1


def test_data_error_exit_1_no_traceback_and_no_file(tmp_path, cities_csv):
    """A data error exits 1 with one message naming the file/column and no traceback, and
    leaves no output file behind."""
    target = tmp_path / "out.csv"
    out = run("rank", cities_csv, "--criteria", "friendship-city", "--output", target)
    assert out.returncode == 1
    assert "toronto_ethnic_origin_2021" in out.stderr and "Traceback" not in out.stderr
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ("rank", "missing.csv", "--criteria", "partnership-city"),
            1,
            "`candidates` file 'missing.csv' does not exist",
        ),
        (
            ("rank", "example", "--criteria", "no-such-set"),
            1,
            "names no shipped set; got 'no-such-set'",
        ),
        (("rank", "example"), 2, "the following arguments are required: --criteria"),
        (
            ("rank", "example", "--criteria", "partnership-city", "--format", "xml"),
            2,
            "invalid choice: 'xml'",
        ),
        (
            ("rank", "example", "--criteria", "partnership-city", "--top", "0"),
            2,
            "--top must be a positive integer; got 0",
        ),
        (("frobnicate",), 2, "invalid choice: 'frobnicate'"),
        (("criteria", "show"), 2, "needs a NAME or PATH"),
    ],
)
def test_usage_and_data_errors(args, code, needle):
    """Usage errors exit 2, data errors exit 1; each prints one clear line, no traceback."""
    out = run(*args)
    assert out.returncode == code
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_debug_shows_traceback():
    """--debug re-raises so the traceback is visible."""
    out = run("--debug", "rank", "missing.csv", "--criteria", "partnership-city")
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_ahp_command(tmp_path):
    """`citymatch ahp` reads a JSON or CSV matrix (fractions allowed) and prints weights and CR."""
    j = tmp_path / "m.json"
    j.write_text(
        json.dumps(
            {
                "matrix": [
                    [1, 4, 3, 7],
                    ["1/4", 1, "1/3", 3],
                    ["1/3", 3, 1, 5],
                    ["1/7", "1/3", "1/5", 1],
                ]
            }
        )
    )
    out = run("ahp", j, "--format", "json", "--ri", "saaty2005_anp")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [round(w, 3) for w in doc["weights"]] == [0.548, 0.127, 0.27, 0.056]
    assert round(doc["cr"], 3) == 0.044
    c = tmp_path / "m.csv"
    c.write_text("criterion,a,b\na,1,3\nb,1/3,1\n")
    out = run("ahp", c)
    assert out.returncode == 0, out.stderr
    assert "w1 = 0.7500" in out.stdout and "CR = 0.0000" in out.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[[1, 2], [2, 1]]")
    out = run("ahp", bad)
    assert out.returncode == 1 and "must be reciprocal" in out.stderr


def test_criteria_commands(tmp_path):
    """criteria list/show/validate."""
    out = run("criteria", "list")
    assert out.returncode == 0 and "partnership-city" in out.stdout
    out = run("criteria", "show", "partnership-city")
    assert (
        out.returncode == 0
        and "sector_alignment" in out.stdout
        and "screen one_per_region" in out.stdout
    )
    broken = tmp_path / "x.toml"
    broken.write_text('name = "x"\n')
    out = run("criteria", "validate", broken)
    assert out.returncode == 1 and "x.toml" in out.stderr and "title: Field required" in out.stderr


def test_demo_fits_one_screen(tmp_path):
    """`citymatch demo` runs the main job end to end and fits one terminal screen."""
    out = run("demo", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) <= 40 and max(map(len, lines)) <= 120
    text = out.stdout
    for needle in (
        "Screening by the 2005 program rules",
        "Partnership City",
        "Friendship City",
        "Alternative partners",
        "Agreements in force",
        "illustrative",
    ):
        assert needle in text


def test_demo_ranks_each_agreement_on_its_class_criteria(capsys):
    """Step 5 of the demo ranks each agreement in force on its class's set: Friendship on
    friendship-city (never the economic set), Partnership and MOU on partnership-city, an
    International Project on its KPIs only; each rank equals the library's own ranking."""
    import citymatch
    import citymatch.datasets
    from citymatch.cli.main import main

    assert main(["demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("5. Agreements in force"))
    step5 = [ln for ln in lines[start + 1 :] if ln.startswith("   ")]
    cities = citymatch.datasets.load_cities()
    current = cities[cities["existing_active"] == 1]
    assert len(step5) == len(current)
    expected_set = {"Partnership": "partnership-city", "MOU": "partnership-city",
                    "Friendship": "friendship-city"}  # fmt: skip
    ranks = {
        name: citymatch.rank(cities, name, screening=False, missing="worst")
        .to_frame()
        .set_index("id")["rank"]
        for name in set(expected_set.values())
    }
    for row, line in zip(current.itertuples(index=False), step5, strict=True):
        assert line.strip().startswith(row.name)
        cls = row.existing_class
        if cls == "International Project":
            assert line.endswith("judged on its KPIs only")
        else:
            name = expected_set[cls]
            assert line.endswith(f"rank {int(ranks[name][row.id]):2d}/{len(cities)} on {name}")


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_rank_reads_parquet_and_xlsx(tmp_path, cities_csv, suffix):
    """Parquet and XLSX inputs rank exactly like the CSV."""
    df = pd.read_csv(cities_csv, keep_default_na=False, na_values=[""])
    path = tmp_path / f"cities{suffix}"
    df.to_parquet(path) if suffix == ".parquet" else df.to_excel(path, index=False)
    a = run("rank", path, "--criteria", "partnership-city", "--format", "csv")
    b = run("rank", cities_csv, "--criteria", "partnership-city", "--format", "csv")
    assert a.returncode == 0, a.stderr
    assert (
        pd.read_csv(io.StringIO(a.stdout))["id"].tolist()
        == pd.read_csv(io.StringIO(b.stdout))["id"].tolist()
    )


def test_rank_stream_parquet_folder(tmp_path, cities_csv):
    """--stream ranks a Parquet folder chunk by chunk: same top K as in memory, all scores in
    --scores, and a usage error (exit 2) without --top or --scores."""
    df = pd.read_csv(cities_csv, keep_default_na=False, na_values=[""])
    folder = tmp_path / "cands"
    folder.mkdir()
    df.iloc[:30].to_parquet(folder / "a.parquet")
    df.iloc[30:].to_parquet(folder / "b.parquet")
    scores = tmp_path / "scores.parquet"
    a = run(
        "rank", folder, "--criteria", "partnership-city", "--stream", "--top", "5",
        "--scores", scores, "--chunk-rows", "8", "--format", "json",
    )  # fmt: skip
    b = run("rank", cities_csv, "--criteria", "partnership-city", "--top", "5", "--format", "json")
    assert a.returncode == 0, a.stderr
    got, want = json.loads(a.stdout), json.loads(b.stdout)
    assert [r["id"] for r in got["ranking"]] == [r["id"] for r in want["ranking"]]
    assert got["excluded_count"] == len(want["excluded"])
    assert got["ranked"] == len(pd.read_parquet(scores))
    bad = run("rank", folder, "--criteria", "partnership-city", "--stream")
    assert bad.returncode == 2 and "--stream needs --top K" in bad.stderr


def test_bad_data_paths_name_file_row_and_column(tmp_path, cities_csv):
    """Wrong column, NaN, bad criteria file and unknown format: exit 1, a message naming what
    is wrong, no traceback."""
    df = pd.read_csv(cities_csv, keep_default_na=False, na_values=[""])
    wrong = tmp_path / "wrong.csv"
    df.drop(columns=["trade_ties"]).to_csv(wrong, index=False)
    out = run("rank", wrong, "--criteria", "partnership-city")
    assert out.returncode == 1 and "lacks column(s) ['trade_ties']" in out.stderr
    nan = tmp_path / "nan.csv"
    df.assign(trade_ties=df["trade_ties"].where(df["id"] != "paris")).to_csv(nan, index=False)
    out = run("rank", nan, "--criteria", "partnership-city")
    assert out.returncode == 1 and "'paris': ['trade_ties']" in out.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = "X"\nversion = "1"\n[[criteria]]\nid = "a"\nlabel = "A"\ndirection = "up"\nweight = 1\n'
    )
    out = run("rank", cities_csv, "--criteria", bad)
    assert (
        out.returncode == 1 and "bad.toml" in out.stderr and "criteria[0].direction" in out.stderr
    )
    odd = tmp_path / "cities.json"
    odd.write_text("{}")
    out = run("rank", odd, "--criteria", "partnership-city")
    assert out.returncode == 1 and "unknown extension '.json'" in out.stderr
    assert "Traceback" not in out.stderr


def test_sensitivity_command(tmp_path):
    """`citymatch sensitivity` prints acceptabilities and the winner's tipping point, writes JSON,
    saves a plot atomically, and refuses bad arguments."""
    args = (
        "sensitivity",
        "example",
        "--criteria",
        "partnership-city",
        "--samples",
        "500",
        "--seed",
        "3",
    )
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].split()[:4] == ["id", "rank", "p_first", "p_top3"]
    assert "smallest single-weight change" in out.stdout and "500 weight samples" in out.stdout
    again = run(*args)
    assert again.stdout == out.stdout  # seeded: identical
    plot = tmp_path / "acc.png"
    js = run(
        "sensitivity",
        "example",
        "--criteria",
        "partnership-city",
        "--samples",
        "300",
        "--format",
        "json",
        "--plot",
        plot,
    )
    assert js.returncode == 0, js.stderr
    doc = json.loads(js.stdout)
    n = len(doc["candidates"])
    assert doc["samples"] == 300 and all(len(c["acceptability"]) == n for c in doc["candidates"])
    assert abs(sum(sum(c["acceptability"]) for c in doc["candidates"]) - n) < 1e-9
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("sensitivity", "example", "--criteria", "partnership-city", "--samples", "0")
    assert bad.returncode == 2
    assert "argument --samples: must be a positive integer; got 0." in bad.stderr
    gif = tmp_path / "acc.gif"
    bad = run(
        "sensitivity", "example", "--criteria", "partnership-city", "--samples", "10", "--plot", gif
    )
    assert bad.returncode == 1 and "must end in .png, .svg or .pdf" in bad.stderr
    assert not gif.exists()


def test_portfolio_command(tmp_path):
    """`citymatch portfolio` solves the example, explains it, writes JSON and a frontier plot;
    an infeasible problem exits 1 with the conflicting constraints; a bad file names the field."""
    example = ROOT / "examples" / "toronto_portfolio.toml"
    out = run("portfolio", example)
    assert out.returncode == 0, out.stderr
    assert "projects selected" in out.stdout and "budget_used" in out.stdout
    plot = tmp_path / "frontier.svg"
    js = run("portfolio", example, "--format", "json", "--frontier", "--plot", plot)
    assert js.returncode == 0, js.stderr
    doc = json.loads(js.stdout)
    assert doc["status"] == 0 and doc["selected"] and doc["frontier"]
    assert plot.read_text().startswith("<?xml")
    bad = tmp_path / "impossible.json"
    bad.write_text(
        json.dumps(
            {
                "start_year": 2026,
                "years": 1,
                "budget": 5,
                "new_per_year_min": 2,
                "projects": [
                    {"id": "A", "value": 1, "cost": 4},
                    {"id": "B", "value": 1, "cost": 4},
                ],
            }
        )
    )
    out = run("portfolio", bad)
    assert out.returncode == 1 and "No plan satisfies all constraints" in out.stdout
    assert "budget 2026" in out.stdout
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps({"start_year": 2026, "years": 1, "projects": [{"id": "A", "duration": 0}]})
    )
    out = run("portfolio", broken)
    assert (
        out.returncode == 1 and "broken.json" in out.stderr and "projects[0].duration" in out.stderr
    )


def test_schema_command(tmp_path):
    """`citymatch schema --output DIR` writes the JSON Schemas; the repo copies are current."""
    out = run("schema", "--output", tmp_path)
    assert out.returncode == 0, out.stderr
    for name in ("portfolio-problem", "criteria-set"):
        assert (tmp_path / f"{name}.schema.json").read_text() == (
            ROOT / "schemas" / f"{name}.schema.json"
        ).read_text()
    bad = run("schema", "--output", tmp_path / "missing")
    assert bad.returncode == 2


def test_review_and_report_commands(tmp_path):
    """`citymatch review` and `citymatch report` on the shipped Toronto register."""
    out = run("review", "example", "--criteria", "partnership-city", "--as-of", "2026-11-27")
    assert out.returncode == 0, out.stderr
    assert "reclassify → Partnership" in out.stdout and "needs-objectives" in out.stdout
    js = run("review", "example", "--as-of", "2026-11-27", "--format", "json")
    doc = json.loads(js.stdout)
    assert js.returncode == 0 and len(doc["agreements"]) == 18 and doc["cap"] == 10
    page = tmp_path / "report.html"
    out = run("report", "example", "--year", "2025", "--format", "html", "--output", page)
    assert out.returncode == 0 and page.read_text().startswith("<!DOCTYPE html>")
    md = run("report", "example", "--year", "2025")
    assert md.stdout.startswith("# International partnerships — annual report 2025")
    bad = run("review", "example", "--as-of", "27/11/2026")
    assert (
        bad.returncode == 2 and "--as-of must be a date YYYY-MM-DD; got '27/11/2026'" in bad.stderr
    )
    missing = run("review", tmp_path / "nope")
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_record_and_replay_commands(tmp_path, monkeypatch):
    """`citymatch record` writes a signed decision record (key from CITYMATCH_RECORD_KEY);
    `citymatch replay` verifies and reproduces it (exit 0) and exits 1 on a tampered record."""
    monkeypatch.setenv("CITYMATCH_RECORD_KEY", "cli-test-key-0123456789-0123456789")
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"matrix": [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]}))
    rec = tmp_path / "rec.json"
    out = run("record", "ahp", req, "--output", rec)
    assert out.returncode == 0, out.stderr
    assert "record signed with key id" in out.stderr
    ok = run("replay", rec)
    assert ok.returncode == 0 and "identical" in ok.stdout and "signature verified" in ok.stdout
    doc = json.loads(rec.read_text())
    doc["response"]["cr"] = 0.0
    rec.write_text(json.dumps(doc))
    bad = run("replay", rec)
    assert bad.returncode == 1 and "failed its signature check" in bad.stderr


def test_serve_command_binds_loopback(tmp_path):
    """`citymatch serve` starts uvicorn on 127.0.0.1 and answers /health; it is stopped after."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "citymatch", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.1)
        assert body is not None and body["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ------------------------------------------------------------------ CLI JSON == HTTP JSON
# In process (cli.main + capsys) to keep the suite fast; the subprocess tests above cover the
# entry point itself.  No field legitimately differs: citymatch_version is the same package,
# and nothing in the responses depends on the clock or the transport.  (The one addition the
# CLI makes is `frontier`, only with `portfolio --frontier`, which HTTP does not offer.)


@pytest.fixture(scope="module")
def http():
    from fastapi.testclient import TestClient

    from citymatch.service import create_app

    return TestClient(create_app())


@pytest.fixture(scope="module")
def city_rows():
    """The shipped cities as the JSON rows an HTTP client sends."""
    csv = ROOT / "examples" / "data" / "cities.csv"
    return json.loads(
        pd.read_csv(csv, keep_default_na=False, na_values=[""]).to_json(orient="records")
    )


@pytest.fixture
def rows_file(tmp_path, city_rows):
    """The very rows the HTTP request carries, as the CLI's input file (Parquet keeps them)."""
    path = tmp_path / "rows.parquet"
    pd.DataFrame(city_rows).to_parquet(path)
    return path


def cli_json(capsys, *args):
    from citymatch.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def http_json(http, path, body):
    r = http.post(path, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_rank_json_is_the_http_response(capsys, http, rows_file, city_rows):
    """`rank --format json` prints exactly the /v1/rank response for the same candidates."""
    got = cli_json(
        capsys,
        "rank",
        rows_file,
        "--criteria",
        "partnership-city",
        "--top",
        "5",
        "--format",
        "json",
    )
    want = http_json(
        http, "/v1/rank", {"candidates": city_rows, "criteria": "partnership-city", "top": 5}
    )
    assert got == want
    assert (
        len(got["ranking"]) == 5
        and got["ranked"] > 5
        and got["excluded_count"] == len(got["excluded"])
    )


def test_sensitivity_json_is_the_http_response(capsys, http, rows_file, city_rows):
    """`sensitivity --format json` prints exactly the /v1/sensitivity response (same seed)."""
    got = cli_json(
        capsys, "sensitivity", rows_file, "--criteria", "partnership-city", "--samples", "300",
        "--seed", "3", "--sampler", "dirichlet", "--top-k", "4", "--format", "json",
    )  # fmt: skip
    want = http_json(
        http,
        "/v1/sensitivity",
        {"candidates": city_rows, "criteria": "partnership-city", "samples": 300, "seed": 3,
         "sampler": "dirichlet", "k": 4},
    )  # fmt: skip
    assert got == want
    assert got["k"] == 4 and got["sampler"] == "dirichlet"


def test_review_json_is_the_http_response(capsys, http, rows_file, city_rows):
    """`review --format json` prints exactly the /v1/review response for the same register."""
    import citymatch.agreements

    reg = citymatch.agreements.load_register(ROOT / "examples" / "register")
    agreements = [json.loads(a.model_dump_json(by_alias=True)) for a in reg]
    got = cli_json(
        capsys, "review", ROOT / "examples" / "register", "--criteria", "partnership-city",
        "--candidates", rows_file, "--as-of", "2026-11-27", "--months", "18", "--format", "json",
    )  # fmt: skip
    want = http_json(
        http,
        "/v1/review",
        {"agreements": agreements, "criteria": "partnership-city", "candidates": city_rows,
         "as_of": "2026-11-27", "months": 18},
    )  # fmt: skip
    assert got == want
    assert any(a["partner_rank"] is not None for a in got["agreements"])


def test_ahp_json_is_the_http_response(capsys, http, tmp_path):
    """`ahp --format json` prints exactly the /v1/ahp response for the same matrix."""
    matrix = [[1, 4, 3, 7], ["1/4", 1, "1/3", 3], ["1/3", 3, 1, 5], ["1/7", "1/3", "1/5", 1]]
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"matrix": matrix}))
    got = cli_json(
        capsys,
        "ahp",
        path,
        "--ri",
        "saaty2005_anp",
        "--method",
        "geometric_mean",
        "--format",
        "json",
    )
    want = http_json(
        http, "/v1/ahp", {"matrix": matrix, "ri": "saaty2005_anp", "method": "geometric_mean"}
    )
    assert got == want


def test_portfolio_json_is_the_http_response(capsys, http):
    """`portfolio --format json` prints exactly the /v1/portfolio response for the same problem."""
    import citymatch.portfolio

    example = ROOT / "examples" / "toronto_portfolio.toml"
    problem = json.loads(citymatch.portfolio.load_problem(example).to_json())
    got = cli_json(capsys, "portfolio", example, "--time-limit", "20", "--format", "json")
    want = http_json(http, "/v1/portfolio", {"problem": problem, "time_limit": 20})
    assert got == want
    assert got["status"] == 0 and got["selected"]


def test_cli_input_errors_name_the_file(capsys, tmp_path):
    """In process: a missing or invalid MATRIX file and a REQUEST that is not a valid request
    exit 1 with one line naming the file and the problem."""
    from citymatch.cli import main

    missing = tmp_path / "m.json"
    assert main(["ahp", str(missing)]) == 1
    assert f"`MATRIX` file '{missing}' does not exist." in capsys.readouterr().err
    broken = tmp_path / "b.json"
    broken.write_text("[[1, 2],")
    assert main(["ahp", str(broken)]) == 1
    assert f"`MATRIX` file '{broken}' is not valid JSON" in capsys.readouterr().err
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"matrix": [[1]], "metod": "x"}))
    assert main(["record", "ahp", str(req)]) == 1
    err = capsys.readouterr().err
    assert f"`REQUEST` file '{req}' (ahp request)" in err and "metod" in err
    assert "Traceback" not in err
