"""Text: Pride and Prejudice as a string, its words, and a word -> index table (chapter 3, part 3)."""
from coursedata._files import data_file, existing

NOVEL_FILE = "jane-austen/1342-0.txt"
# Stripped from both ends of every word; the curly quotes are the ones the novel uses.
PUNCTUATION = '.,;:"!?”“_-'


def load_text(path=None):
    """The whole text file as one string, read as UTF-8 (Pride and Prejudice by default).

    The novel's file starts with a byte-order mark, which is kept (it stays glued to the first
    word), so that the vocabulary matches the chapter's: 7261 words."""
    path = existing(data_file(NOVEL_FILE) if path is None else path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); "
                         "convert it to UTF-8 first") from None


def clean_words(text):
    """Lower-case words of `text`, split at white space, with punctuation stripped at both ends.

    Apostrophes and hyphens inside words stay: "don't" and "well-bred" are one word each."""
    words = text.lower().split()
    return [word.strip(PUNCTUATION) for word in words]


def word_index(text):
    """{word: index} over the sorted distinct words of `text`, as `clean_words` splits them."""
    vocabulary = sorted(set(clean_words(text)))
    return {word: index for index, word in enumerate(vocabulary)}
