"""Grade an exercise notebook on this machine, without nbgrader's database; regenerate the
student versions of the exercises.

    python -m dlcore.grading NOTEBOOK.ipynb [...]   score per question, with the feedback
        [--source SOURCE.ipynb] [--timeout SECONDS] [--json]
    python -m dlcore.grading --release [chNN ...]   course/release/ from exercises/ (nbgrader)

The source of chNN is exercises/chNN_exercises.ipynb (found from the submission's file name, or
given with --source). Grading follows nbgrader's rules: the check cells and every other locked
cell are put back from the source (hidden tests included), a check cell scores its points when
it runs without an error (and writes nothing to stderr), written answers are left to be graded
by hand. Each cell gets `--timeout` seconds; a cell running longer is interrupted and counts as
an error. Whatever the notebook does (loops, raises, exits, deletes or edits check cells, is not
a notebook at all), the grader reports a score and the reason, and does not crash.

The submission's code runs with this user's rights, as it does under nbgrader: grade untrusted
notebooks in a container or a throw-away account.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["grade", "release", "GradingResult", "QuestionResult"]

REPOSITORY = Path(__file__).resolve().parent.parent
EXERCISES = REPOSITORY / "exercises"
COURSE = REPOSITORY / "course"
TIMEOUT = 30
_HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                           re.MULTILINE | re.DOTALL)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class QuestionResult:
    name: str                 # "ex2": the part of the cells' grade_id before the first "-"
    title: str                # the question's heading
    score: float = 0.0        # autograded points earned
    points: float = 0.0       # autograded points possible
    manual_points: float = 0.0  # points of written answers, graded by hand
    feedback: list = field(default_factory=list)


@dataclass
class GradingResult:
    notebook: str
    questions: list = field(default_factory=list)
    problems: list = field(default_factory=list)   # about the notebook as a whole

    @property
    def score(self):
        return sum(q.score for q in self.questions)

    @property
    def points(self):
        return sum(q.points for q in self.questions)

    @property
    def manual_points(self):
        return sum(q.manual_points for q in self.questions)

    def question(self, name):
        return next(q for q in self.questions if q.name == name)

    def as_dict(self):
        return {"notebook": self.notebook, "score": self.score, "points": self.points,
                "manual_points": self.manual_points, "problems": self.problems,
                "questions": [asdict(q) for q in self.questions]}

    def report(self):
        lines = [f"{self.notebook}: {_number(self.score)} of {_number(self.points)} points"
                 + (f", and {_number(self.manual_points)} to grade by hand"
                    if self.manual_points else "")]
        lines += [f"  ! {problem}" for problem in self.problems]
        width = max((len(q.title) for q in self.questions), default=0)
        for q in self.questions:
            scored = f"{_number(q.score)} / {_number(q.points)}" if q.points else "by hand"
            lines.append(f"  {q.title:<{width}}  {scored}")
            lines += ["      " + line for note in q.feedback for line in note.splitlines()]
        return "\n".join(lines)


def _number(x):
    return f"{x:g}"


def _points(x):
    return f"{x:g} point" + ("" if x == 1 else "s")


# -- reading nbgrader's cell metadata --------------------------------------------------------------
def _info(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _grade_id(cell):
    return _info(cell).get("grade_id")


def _is_check(cell):
    info = _info(cell)
    return bool(info.get("grade")) and not info.get("solution") and cell.cell_type == "code"


def _is_written(cell):
    info = _info(cell)
    return bool(info.get("grade")) and bool(info.get("solution"))


def _is_answer(cell):
    info = _info(cell)
    return bool(info.get("solution")) and not info.get("grade")


def _is_locked(cell):
    info = _info(cell)
    return bool(info.get("locked") or info.get("grade")) and not info.get("solution")


def _question_of(grade_id):
    return grade_id.split("-")[0]


def student_form(source):
    """What the student sees of a locked cell's source: hidden tests taken out, as nbgrader does."""
    return _HIDDEN_TESTS.sub("", source)


def _same_code(a, b):
    def normal(text):
        return [line.rstrip() for line in text.strip().splitlines()]
    return normal(a) == normal(b)


# -- putting the source's cells back --------------------------------------------------------------
def _restore(submission, source):
    """The notebook to run: the source's locked cells (hidden tests included) in the source's
    order, the student's answer cells, and the student's own extra cells after the cell they
    followed. Returns it with {grade_id: note} for the cells found deleted or edited."""
    import nbformat

    theirs, extras, previous = {}, {None: []}, None
    for cell in submission.cells:
        grade_id = _grade_id(cell)
        if grade_id is not None and grade_id not in theirs:
            theirs[grade_id] = cell
            extras.setdefault(grade_id, [])
            previous = grade_id
        else:                                   # the student's own cell (or a duplicate)
            cell = nbformat.from_dict(dict(cell))
            cell.metadata = {k: v for k, v in cell.metadata.items() if k != "nbgrader"}
            extras[previous].append(cell)

    notes, cells = {}, list(extras[None])
    for original in source.cells:
        grade_id = _grade_id(original)
        student = theirs.get(grade_id)
        if grade_id is None:
            cell = _fresh(original)
        elif _is_locked(original):
            cell = _fresh(original)
            what = "check cell" if _is_check(original) else "locked cell"
            if student is None:
                notes[grade_id] = f"the {what} {grade_id} was deleted: graded with the original"
            elif not (_same_code(student.source, student_form(original.source))
                      or _same_code(student.source, original.source)):
                notes[grade_id] = f"the {what} {grade_id} was edited: graded with the original"
        elif student is None:
            cell = _fresh(original)
            cell.source = ("raise NotImplementedError()" if original.cell_type == "code"
                           else "YOUR ANSWER HERE")
            notes[grade_id] = f"the answer cell {grade_id} was deleted"
        else:
            cell = _fresh(original)
            cell.source = student.source
        cells.append(cell)
        cells += extras.get(grade_id, []) if grade_id is not None else []
    notebook = nbformat.from_dict(dict(source))
    notebook.cells = cells
    return notebook, notes


def _fresh(cell):
    import nbformat
    cell = nbformat.from_dict(json.loads(json.dumps(cell)))
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


# -- running it -------------------------------------------------------------------------------------
def _kernel_manager():
    """A kernel running this very Python, whatever kernelspec is installed as `python3`."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class CurrentEnvironment(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            import ipykernel.kernelspec
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    # asynchronous: a synchronous client would block on a busy kernel past any timeout
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvironment())


def _run(notebook, folder, timeout):
    """Execute every code cell, going on after errors; returns {cell index: why it did not
    finish} for cells that timed out or never ran."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    import nbformat

    stopped = {}

    def record_timeout(cell, cell_index, execute_reply):
        # nbclient answers a timed-out cell with this made-up reply and no output: add one
        content = execute_reply["content"]
        if content.get("ename") == "CellTimeoutError":
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=content["ename"], evalue=content["evalue"], traceback=[]))

    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell ran longer than {timeout:g} s and was interrupted",
                          "traceback": []},
        on_cell_executed=record_timeout,
        resources={"metadata": {"path": str(folder)}}, record_timing=False)
    client.km = _kernel_manager()
    # the kernel imports the dlcore this grader runs with
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPOSITORY), env.get("PYTHONPATH")) if p)
    try:
        with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                client.execute_cell(cell, index)
                if any(o.output_type == "error" and o.ename == "CellTimeoutError"
                       for o in cell.outputs):
                    stopped[index] = f"ran longer than {timeout:g} s and was interrupted " \
                                     "(an endless loop?)"
                    if not _responds(client):
                        _not_run(notebook, index + 1, stopped,
                                 f"not run: the kernel stayed busy after cell {index} timed out")
                        break
    except DeadKernelError:
        index = next((i for i, c in enumerate(notebook.cells)
                      if c.cell_type == "code" and c.execution_count is None
                      and not c.outputs), len(notebook.cells))
        _not_run(notebook, max(index - 1, 0), stopped,
                 "not run: the kernel died (the notebook exited or crashed Python)")
    return stopped


def _responds(client):
    import nbformat
    probe = nbformat.v4.new_code_cell("pass")
    client.nb.cells.append(probe)      # nbclient stores the executed cell at its index
    try:
        client.execute_cell(probe, len(client.nb.cells) - 1)
    except Exception:
        return False
    finally:
        client.nb.cells.remove(probe)
    return not any(o.output_type == "error" for o in probe.outputs)


def _not_run(notebook, start, stopped, why):
    for index in range(start, len(notebook.cells)):
        if notebook.cells[index].cell_type == "code" and index not in stopped:
            stopped[index] = why


# -- scoring ----------------------------------------------------------------------------------------
def _error(cell):
    """'Name: message' of the cell's error output, or None."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            message = _ANSI.sub("", output.evalue or "").strip()
            if not message:           # a bare `assert`: show the line that failed
                lines = [_ANSI.sub("", line) for line in output.get("traceback", [])]
                failed = [m.group(1).strip() for text in lines for m in
                          re.finditer(r"^-+> *\d+ (.*)$", text, re.MULTILINE)]
                message = f"failed: {failed[-1]}" if failed else ""
            return f"{output.ename}: {message}" if message else output.ename
    return None


def _check_score(cell, points):
    """nbgrader's rule: 0 for an error or output on stderr, a number shown as the result is
    partial credit (at most `points`), else all the points."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return 0.0, _error(cell)
        if output.output_type == "stream" and output.name == "stderr":
            return 0.0, ("the check wrote to stderr (a warning?), which counts as a failure: "
                         + output.text.strip().splitlines()[-1][:200])
        if output.output_type == "execute_result":
            try:
                return min(max(float(output.data.get("text/plain", "")), 0.0), points), None
            except ValueError:
                return points, None
    return points, None


def _score(notebook, source, notes, stopped):
    cells = list(enumerate(notebook.cells))
    titles = {}
    for cell in source.cells:
        grade_id = _grade_id(cell)
        if grade_id and cell.cell_type == "markdown" and grade_id not in titles:
            heading = next((line.lstrip("#").strip() for line in cell.source.splitlines()
                            if line.startswith("#")), None)
            if heading:
                titles[grade_id] = heading
    questions, written = {}, []
    for index, cell in cells:
        grade_id = _grade_id(cell)
        if grade_id is None or not (_is_check(cell) or _is_written(cell)):
            continue
        name = _question_of(grade_id)
        question = questions.setdefault(name, QuestionResult(name, titles.get(name, name)))
        points = float(_info(cell).get("points", 0))
        if _is_written(cell):
            question.manual_points += points
            answered = not (cell.source.strip() in ("", "YOUR ANSWER HERE") or re.fullmatch(
                r"#\s*YOUR CODE HERE\s*raise NotImplementedError\(\)", cell.source.strip()))
            written.append((question, f"{grade_id}: " + (
                f"answered; {_points(points)}, to be graded by hand" if answered else
                f"not answered yet ({_points(points)}, graded by hand)")))
            continue
        question.points += points
        if index in stopped:
            question.feedback.append(f"{grade_id}: {stopped[index]}")
            continue
        earned, why = _check_score(cell, points)
        question.score += earned
        if why:
            question.feedback.append(why)

    # why a check failed usually lies in the answer cell above it: say that first
    for index, cell in cells:
        grade_id = _grade_id(cell)
        if grade_id is None or _question_of(grade_id) not in questions:
            continue
        question = questions[_question_of(grade_id)]
        if _is_answer(cell) and question.score < question.points:
            if index in stopped:
                question.feedback.insert(0, f"your code in {grade_id} {stopped[index]}")
            elif (error := _error(cell)) is None:
                pass
            elif error.startswith("NotImplementedError"):   # the stub: the check's error is noise
                question.feedback[:] = [f"not answered yet: {grade_id} still raises "
                                        "NotImplementedError"]
            else:
                question.feedback.insert(0, f"your code in {grade_id} raised {error}")
    for grade_id, note in notes.items():
        name = _question_of(grade_id)
        if name in questions:
            questions[name].feedback.insert(0, note)
    for question, note in written:
        question.feedback.append(note)
    return list(questions.values())


# -- the whole --------------------------------------------------------------------------------------
def source_for(notebook_path):
    """The source notebook of a submission, from the chNN in its file name."""
    match = re.search(r"ch\d+", Path(notebook_path).name)
    if match:
        path = EXERCISES / f"{match.group()}_exercises.ipynb"
        if path.exists():
            return path
    raise FileNotFoundError(f"no source notebook found for {notebook_path}: name it after its "
                            "chapter (chNN_exercises.ipynb) or give --source")


def grade(notebook_path, source_path=None, *, timeout=TIMEOUT, cwd=None):
    """Grade one notebook against its source; returns a GradingResult (never raises for
    anything the submission does). The kernel runs in `cwd`, by default the notebook's folder."""
    import nbformat

    notebook_path = Path(notebook_path)
    source = nbformat.read(source_path or source_for(notebook_path), as_version=4)
    result = GradingResult(str(notebook_path))
    try:
        submission = nbformat.read(notebook_path, as_version=4)
        if not hasattr(submission, "cells"):
            raise ValueError("it has no cells")
    except Exception as error:  # unreadable file, bad JSON, not a notebook
        result.problems.append(f"not a readable notebook ({type(error).__name__}: "
                               f"{str(error)[:200]}): every question scores 0")
        return _nothing_run(result, source, "not run: the file is not a notebook")
    try:
        notebook, notes = _restore(submission, source)
        stopped = _run(notebook, Path(cwd or notebook_path.parent), timeout)
        result.questions = _score(notebook, source, notes, stopped)
    except Exception as error:  # a fault of the grader or of the machine: still a result
        result.problems.append(f"grading stopped: {type(error).__name__}: {error}")
        return _nothing_run(result, source, "not run: grading stopped")
    return result


def _nothing_run(result, source, why):
    import nbformat
    notebook, _ = _restore(nbformat.v4.new_notebook(), source)
    result.questions = _score(notebook, source, {}, dict.fromkeys(range(len(notebook.cells)), why))
    return result


def is_assignment(path):
    """Whether an exercise notebook is in nbgrader's form (has cells worth points)."""
    import nbformat
    return any(_is_check(cell) or _is_written(cell)
               for cell in nbformat.read(path, as_version=4).cells)


def release(chapters=None):
    """Link course/source/chNN/ to each exercises/chNN_exercises.ipynb (or just the chapters
    named) and generate its student version in course/release/chNN/ with nbgrader."""
    sources = sorted(EXERCISES.glob("ch*_exercises.ipynb"))
    names = [s.name.split("_")[0] for s in sources]
    if chapters:
        unknown = sorted(set(chapters) - set(names))
        if unknown:
            raise SystemExit(f"no exercises/{unknown[0]}_exercises.ipynb")
        sources = [s for s, n in zip(sources, names) if n in chapters]
    for source in sources:
        if not is_assignment(source):
            raise SystemExit(f"{source.name} has no check cells with points yet: see the README's "
                             "Teachers section for the form of an exercise notebook")
    for source in sources:
        chapter = source.name.split("_")[0]
        link = COURSE / "source" / chapter / source.name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(source, link.parent))
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", chapter,
                        "--no-db", "--force", "--log-level=WARN"], cwd=COURSE, check=True)
        print(f"course/release/{chapter}/{source.name}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcore.grading",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to grade (with --release: "
                        "chapters, chNN, to regenerate; default all)")
    parser.add_argument("--source", help="the source notebook (default: exercises/chNN_exercises"
                        ".ipynb after the chNN in the notebook's name)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds each cell may run (default {TIMEOUT})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--release", action="store_true",
                        help="regenerate the student versions in course/release/")
    args = parser.parse_args(argv)
    if args.release:
        release(args.notebooks)
        return 0
    if not args.notebooks:
        parser.error("name a notebook to grade")
    results = []
    for path in args.notebooks:
        try:
            results.append(grade(path, args.source, timeout=args.timeout))
        except FileNotFoundError as error:
            parser.error(str(error))
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=1))
    else:
        print("\n\n".join(r.report() for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
