"""Tables: the white-wine quality data and the hourly bike-sharing counts (chapter 3, parts 1-2)."""
import csv
import datetime

import numpy as np

from coursedata._files import data_file, existing

WINE_FILE = "wine/winequality-white.csv"
BIKES_FILE = "bike-sharing/hour-fixed.csv"
BIKE_COLUMNS = ("instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday",
                "workingday", "weathersit", "temp", "atemp", "hum", "windspeed", "casual",
                "registered", "cnt")
_OTHER_DELIMITERS = (",", ";", "\t", " ")


def read_csv_rows(path, delimiter=",", columns=None):
    """The header and the data rows of a CSV file, as lists of strings, checked for shape.

    Raises FileNotFoundError for a missing file and ValueError for an empty file, a header
    without `delimiter` (the file uses another separator), a header other than `columns`
    (when given), or a row whose number of values differs from the header's (a truncated or
    damaged file), naming the line."""
    path = existing(path)
    with open(path, newline="", encoding="utf-8") as file:
        lines = list(csv.reader(file, delimiter=delimiter))
    if not lines:
        raise ValueError(f"{path} is empty: expected a header line and rows of data")
    header, rows = lines[0], lines[1:]
    if len(header) == 1:
        raise ValueError(f"{path}: the header has no {delimiter!r} between its columns"
                         + _delimiter_hint(header[0]))
    if columns is not None and tuple(header) != tuple(columns):
        raise ValueError(f"{path}: expected the columns {list(columns)}, found {header}")
    while rows and not rows[-1]:  # blank lines at the end are harmless
        rows.pop()
    if not rows:
        raise ValueError(f"{path} has a header but no data rows")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            where = "the last line" if number == len(rows) + 1 else f"line {number}"
            raise ValueError(
                f"{path}, {where}: {len(row)} values where the header has {len(header)}; "
                "the file looks truncated or damaged: copy it again (data/README.md)")
    return header, rows


def _delimiter_hint(header_line):
    found = [d for d in _OTHER_DELIMITERS if d in header_line]
    if found:
        return f" (it looks separated by {found[0]!r}): is this the right file?"
    return ": is this a CSV file?"


def _to_float32(path, lines, delimiter, converters=None):
    """Data lines (text) to a float32 array with numpy.loadtxt, as the chapter does by hand."""
    try:
        return np.loadtxt(lines, dtype=np.float32, delimiter=delimiter, converters=converters)
    except ValueError as error:
        raise ValueError(f"{path}: a value is not a number ({error})") from None


def load_wine(path=None):
    """The white-wine table: a float32 array (4898, 12) and the 12 column names.

    The last column, `quality`, is the score from 0 to 10 to predict; the first 11 are the
    physico-chemical measurements. The file is `;`-separated with a quoted header."""
    path = existing(data_file(WINE_FILE) if path is None else path)
    header, rows = read_csv_rows(path, delimiter=";")
    lines = [";".join(row) for row in rows]
    return _to_float32(path, lines, ";"), header


def _day_of_month(date_text):
    """'2011-01-07' -> 7.0: the chapter keeps only the day of the month of column `dteday`."""
    try:
        return float(datetime.date.fromisoformat(date_text).day)
    except ValueError:
        raise ValueError(f"{date_text!r} is not a date like 2011-01-31") from None


def fill_missing_hours(rows, hour_column=5, count_column=16):
    """The hourly rows with every missing hour inserted, so that they reshape to days x 24.

    Some hours have no row (no rentals were recorded, or the system was down). A missing hour
    is filled with a copy of its neighbouring row on the same side of midnight (the previous
    row, or the next one when the gap starts a new day) with the hour changed and the count
    set to 0. This reproduces hour-fixed.csv of the data set byte for byte, quirks included:
    `casual` and `registered` are copied too, and the 36 hours lost to Hurricane Sandy (from 1 h
    on 2012-10-29 to 12 h on 2012-10-30) get only 12 rows, since only the hour of day counts."""
    filled = []
    previous = None
    for row in rows:
        hour = _hour_of_day(row[hour_column])
        if previous is not None:
            previous_hour = int(previous[hour_column])
            expected = (previous_hour + 1) % 24
            while expected != hour:
                source = previous if expected > previous_hour else row
                filler = list(source)
                filler[hour_column] = str(expected)
                filler[count_column] = "0"
                filled.append(filler)
                expected = (expected + 1) % 24
        filled.append(row)
        previous = row
    return filled


def _hour_of_day(text):
    if not (text.isdigit() and int(text) < 24):  # a bad hour would make the filling loop endless
        raise ValueError(f"hour {text!r} is not a whole number from 0 to 23")
    return int(text)


def load_bikes(path=None, fill_gaps=True):
    """The hourly bike-sharing table: a float32 array (hours, 17) with `dteday` as day of month.

    With `fill_gaps` (the default) missing hours are inserted first (`fill_missing_hours`), so
    the raw hour.csv gives the same (17520, 17) array as hour-fixed.csv, ready for
    `.view(-1, 24, 17)`."""
    path = existing(data_file(BIKES_FILE) if path is None else path)
    header, rows = read_csv_rows(path, delimiter=",", columns=BIKE_COLUMNS)
    for row in rows:  # loadtxt would report a bad date only as "could not convert to float"
        _day_of_month(row[1])
    if fill_gaps:
        rows = fill_missing_hours(rows)
    lines = [",".join(row) for row in rows]
    table = _to_float32(path, lines, ",", converters={1: _day_of_month})
    if fill_gaps and len(table) % 24:  # the file starts or ends in the middle of a day
        raise ValueError(f"{path}: {len(table)} rows after filling the gaps, not whole days "
                         "of 24 hours")
    return table, header
