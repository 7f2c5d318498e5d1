"""nbgrader's configuration for the course's exercises (run nbgrader from this folder).

    course/source/chNN/chNN_exercises.ipynb   links to exercises/chNN_exercises.ipynb, the one
                                              source (solutions, hidden tests, rubrics)
    course/release/chNN/chNN_exercises.ipynb  the student version, generated and committed
    course/submitted/STUDENT/chNN/...          what students hand in (not committed, like
    course/autograded/, course/feedback/, gradebook.db and grades.csv)

`python -m dlcore.grading --release` regenerates the links and the student versions; the
README's "Teachers" section has the whole loop.
"""
c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "dlcore"
# Each cell gets this many seconds when a submission is autograded; an endless loop is
# interrupted and its cell scored as an error.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
