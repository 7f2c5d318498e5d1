"""The exercises as nbgrader assignments, and the local grader (dlcore/grading.py).

- The source notebooks (exercises/) score full marks; their student versions (course/release/)
  hold no solutions and no hidden tests, score 0 with a message per question, and are exactly
  what nbgrader generates from the sources today.
- The planted wrong submissions of tests/submissions/ each get the expected score and feedback,
  including the endless loop, the crash, the exit, and the deleted or edited check cell.
- The documented nbgrader loop (generate_assignment, autograde, generate_feedback, export) runs
  once, on a copy of the course, and agrees with the local grader.

Grading starts a kernel per notebook, so all notebooks are graded once, a few at a time, in
module-scoped fixtures.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
yaml = pytest.importorskip("yaml")

from dlcore import grading  # noqa: E402

# A kernel per graded notebook: about a minute on two idle cores (-m 'not slow' leaves it out).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
SOURCES = [path for path in sorted((ROOT / "exercises").glob("ch*_exercises.ipynb"))
           if grading.is_assignment(path)]
CHAPTERS = [path.name.split("_")[0] for path in SOURCES]
SHORT_TIMEOUT = 3       # seconds per cell for the endless-loop submissions


def _release(chapter):
    return ROOT / "course" / "release" / chapter / f"{chapter}_exercises.ipynb"


def _source(chapter):
    return ROOT / "exercises" / f"{chapter}_exercises.ipynb"


def _planted():
    """(chapter, spec) for every planted submission."""
    found = []
    for path in sorted(SUBMISSIONS.glob("ch*.yml")):
        found += [(path.stem, spec) for spec in yaml.safe_load(path.read_text())]
    return found


PLANTED = _planted()


def _without_solution_markers(source):
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _build(chapter, spec, folder):
    """The planted submission as a file: the student version, answered from the reference
    solutions, then changed as the spec says."""
    path = folder / f"{chapter}_{spec['name']}.ipynb"
    if "text" in spec:
        path.write_text(spec["text"])
        return path
    reference = {grading._grade_id(c): c for c in nbformat.read(_source(chapter), 4).cells}
    notebook = nbformat.read(_release(chapter), as_version=4)
    answers, edits = spec.get("answers", {}), spec.get("edit", {})
    cells = []
    for cell in notebook.cells:
        grade_id = grading._grade_id(cell)
        if grade_id in spec.get("delete", []):
            continue
        if grade_id in answers:
            cell.source = answers[grade_id]
        elif grade_id in edits:
            cell.source = edits[grade_id]
        elif grading._is_answer(cell):
            cell.source = _without_solution_markers(reference[grade_id].source)
        elif grading._is_written(cell):
            cell.source = "An answer in my own words."
        cells.append(cell)
    notebook.cells = cells
    nbformat.write(notebook, path)
    return path


def _grade_all(jobs):
    """Grade (path, source, timeout) jobs, two kernels at a time, the sources (which run the
    chapters' training loops) first."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda job: grading.grade(job[0], job[1], timeout=job[2]), jobs))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every notebook graded once: {("source"|"release"|name, chapter): GradingResult}."""
    folder = tmp_path_factory.mktemp("submissions")
    keys, jobs = [], []
    for chapter in CHAPTERS:
        keys += [("source", chapter), ("release", chapter)]
        jobs += [(_source(chapter), None, 60), (_release(chapter), None, 60)]
    for chapter, spec in PLANTED:
        keys.append((spec["name"], chapter))
        timeout = SHORT_TIMEOUT if spec["name"].startswith("timeout") else 60
        jobs.append((_build(chapter, spec, folder), _source(chapter), timeout))
    return dict(zip(keys, _grade_all(jobs)))


# -- sources and student versions ---------------------------------------------------------------
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_sources_score_full_marks(graded, chapter):
    result = graded["source", chapter]
    assert result.points > 0 and result.score == result.points, result.report()
    assert not result.problems
    for question in result.questions:
        assert all("graded by hand" in note for note in question.feedback), result.report()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_versions_score_zero_with_a_message_per_question(graded, chapter):
    result = graded["release", chapter]
    assert result.score == 0 and result.points == graded["source", chapter].points
    for question in result.questions:
        assert question.feedback, f"{question.name} has no message"
        assert "not answered yet" in question.feedback[0], result.report()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_versions_hold_no_solutions_and_no_hidden_tests(chapter):
    text = _release(chapter).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "Rubric"):
        assert marker not in text
    source = nbformat.read(_source(chapter), as_version=4)
    release = nbformat.read(_release(chapter), as_version=4)
    assert [grading._grade_id(c) for c in release.cells] == [grading._grade_id(c) for c in source.cells]
    for original, student in zip(source.cells, release.cells):
        if grading._is_check(original):
            assert student.source == grading.student_form(original.source).rstrip("\n")
        elif grading._is_answer(original):
            assert "raise NotImplementedError()" in student.source
        elif grading._is_written(original):
            assert student.source.strip() == "YOUR ANSWER HERE"
        if student.cell_type == "code":
            assert not student.outputs


def test_every_question_has_hidden_tests_or_is_written():
    for path in SOURCES:
        questions = {}
        for cell in nbformat.read(path, as_version=4).cells:
            if grading._is_check(cell) or grading._is_written(cell):
                name = grading._question_of(grading._grade_id(cell))
                questions[name] = questions.get(name, False) or (
                    "BEGIN HIDDEN TESTS" in cell.source or grading._is_written(cell))
        without = [name for name, hidden in questions.items() if not hidden]
        assert len(without) <= 1, f"{path.name}: no hidden tests in {without}"


def test_every_chapter_is_linked_into_the_course():
    for source in SOURCES:
        chapter = source.name.split("_")[0]
        link = ROOT / "course" / "source" / chapter / source.name
        assert link.is_symlink() and link.resolve() == source.resolve(), (
            f"run `python -m dlcore.grading --release {chapter}`")
        assert _release(chapter).exists(), f"run `python -m dlcore.grading --release {chapter}`"


# -- planted submissions ------------------------------------------------------------------------
@pytest.mark.parametrize("chapter, spec", PLANTED, ids=[f"{c}-{s['name']}" for c, s in PLANTED])
def test_planted_submission(graded, chapter, spec):
    result = graded[spec["name"], chapter]
    report = result.report()
    assert result.score == spec["score"], report
    for question in result.questions:
        feedback = "\n".join(question.feedback)
        if question.name in spec["feedback"]:
            assert spec["feedback"][question.name] in feedback, report
            assert question.score < question.points, report
        else:
            assert question.score == question.points, report


def test_at_least_three_planted_mistakes_per_chapter():
    for chapter in CHAPTERS:
        mistakes = [s for c, s in PLANTED if c == chapter and "answers" in s
                    and not {"delete", "edit"} & set(s)]
        assert len(mistakes) >= 3, chapter


def test_command_line_reports_scores_and_feedback(graded, tmp_path):
    spec = next(s for c, s in PLANTED if s["name"] == "not_a_notebook")
    path = _build("ch02", spec, tmp_path)
    shown = subprocess.run([sys.executable, "-m", "dlcore.grading", str(path), "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    (result,) = json.loads(shown.stdout)
    assert result["score"] == 0 and result["points"] == graded["source", "ch02"].points
    assert "not a readable notebook" in result["problems"][0]
    text = graded["transpose_instead_of_view", "ch02"].report()
    assert re.search(r"Exercise 2: a view +0 / 3\n +AssertionError: b: stride \(1, 3\), "
                     r"expected \(3, 1\): a transpose, not a view\?", text)


# -- the nbgrader loop, as the README documents it ---------------------------------------------
NBGRADER_STEPS = """
import sys
from nbgrader.apps import (GenerateAssignmentApp, AutogradeApp, GenerateFeedbackApp, ExportApp)
for app_class, argv in [(GenerateAssignmentApp, [c, "--force"]) for c in sys.argv[1:]] + [
        (AutogradeApp, ["ch02"]), (GenerateFeedbackApp, ["ch02"]), (ExportApp, [])]:
    app = app_class()
    app.initialize(argv + ["--log-level=WARN"])
    app.start()
"""


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory, graded):
    """A copy of course/ taken through the whole loop, with three students' ch02."""
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "course" / "nbgrader_config.py", course)
    for chapter in CHAPTERS:
        (course / "source" / chapter).mkdir(parents=True)
        shutil.copy(_source(chapter), course / "source" / chapter)
    students = {"ann": _source("ch02"), "bob": _release("ch02"),
                "eve": _build("ch02", next(s for c, s in PLANTED
                                           if s["name"] == "check_cells_deleted_and_edited"), course)}
    for student, path in students.items():
        (course / "submitted" / student / "ch02").mkdir(parents=True)
        shutil.copy(path, course / "submitted" / student / "ch02" / "ch02_exercises.ipynb")
    # nbgrader runs `alembic` (its database's migrations) from the environment's bin folder
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    steps = subprocess.run([sys.executable, "-c", NBGRADER_STEPS, *CHAPTERS], cwd=course,
                           capture_output=True, text=True, timeout=300, env=env)
    assert steps.returncode == 0, steps.stderr[-3000:]
    return course


def test_committed_student_versions_are_up_to_date(nbgrader_course):
    for chapter in CHAPTERS:
        generated = nbformat.read(nbgrader_course / "release" / chapter / f"{chapter}_exercises.ipynb", 4)
        committed = nbformat.read(_release(chapter), as_version=4)
        assert generated == committed, (f"course/release/{chapter} is stale: run "
                                        f"`python -m dlcore.grading --release {chapter}`")


def test_nbgrader_autograde_agrees_with_the_local_grader(nbgrader_course, graded):
    with open(nbgrader_course / "grades.csv") as file:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)
                  if row["assignment"] == "ch02"}
    assert scores == {"ann": graded["source", "ch02"].score,
                      "bob": graded["release", "ch02"].score,
                      "eve": graded["check_cells_deleted_and_edited", "ch02"].score}
    # nbgrader puts an edited check cell back (hidden tests included); a deleted one it leaves
    # out, scoring it 0 (dlcore.grading puts it back and gives the same score)
    autograded = nbgrader_course / "autograded" / "eve" / "ch02" / "ch02_exercises.ipynb"
    check = next(c for c in nbformat.read(autograded, 4).cells
                 if grading._grade_id(c) == "ex4-check")
    assert "BEGIN HIDDEN TESTS" in check.source
    feedback = (nbgrader_course / "feedback" / "eve" / "ch02" / "ch02_exercises.html").read_text()
    assert "float64 where dlcore.float32 was expected" in feedback
