"""The camp rehearsed as a class runs it: an instructor creates a class with the `stacklab` CLI, then one student
follows every lab's README as written (the shell commands of its fenced code blocks, in order, through bash)
holding only the `clouds.yaml` the class made for them, and each lab's `stacklab check` passes. Instructor-demo
labs (lab.yaml `instructor_demo`) run their "As the instructor" blocks as the admin. Two more students repeat a
few labs beside the first one's leftovers, to show that nobody sees another's work.

Which blocks run, and as whom:
- ```sh, ```bash and ```python blocks run (python through `python -`, inside the same bash script);
  a ```console block runs its `$ ` lines. Other languages (yaml, text, ...) are shown, not run.
- A block's `title="As the instructor"` runs it as the admin, `title="As a student"` as the student; an untitled
  block runs as the lab's own role (the instructor for an instructor-demo lab, else the student).
- Consecutive blocks of one role run in one `bash -eu` process in the student's work folder, so a variable set
  in one block is there in the next, as in a terminal; a command that fails stops the lab (the README writes
  `|| echo ...` where a refusal is the point).
- Each README checks itself with a `stacklab check <id>` block, which must report that every check passed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab.camp.labs import Lab, load_labs
from tests.conftest import LiveCloud, start_live_cloud

pytestmark = pytest.mark.e2e
LABS = load_labs()
BIN = Path(sys.executable).parent
# The class recipe of course/camp/instructors.md: the READMEs must fit in it (they clean up after each check).
CLASS_QUOTA = "instances=6,cores=12,volumes=5,gigabytes=20,network=3,floatingip=2"
FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
                   re.M | re.S)
RUNNABLE = {"sh", "bash", "console", "python"}
LAB_TIMEOUT = 900  # seconds for one lab's script: a bound against a wait loop that never ends, not a speed test


@dataclass(frozen=True)
class Block:
    role: str  # "student" or "instructor"
    lang: str
    code: str


def readme_blocks(lab: Lab) -> list[Block]:
    """The runnable fenced blocks of the lab's README, in order, with who runs each."""
    found = []
    for match in FENCE.finditer(lab.instructions):
        lang = match["lang"]
        if lang not in RUNNABLE:
            continue
        title = re.search(r'title="([^"]*)"', match["info"])
        role = "instructor" if lab.instructor_demo else "student"
        if title and "instructor" in title[1].lower():
            role = "instructor"
        elif title and "student" in title[1].lower():
            role = "student"
        code = textwrap.dedent("\n".join(line.removeprefix(match["indent"])
                                         for line in match["body"].splitlines()))
        if lang == "console":  # a transcript: `$ command` lines (and their `\` continuations) run
            code = "\n".join(line[2:] if line.startswith("$ ") else line
                             for line in _console_commands(code.splitlines()))
        if lang == "python":
            code = f"python - <<'STACKLAB_PYTHON'\n{code}\nSTACKLAB_PYTHON"
        found.append(Block(role, lang, code))
    return found


def _console_commands(lines: list[str]) -> Iterator[str]:
    continued = False
    for line in lines:
        if line.startswith("$ ") or continued:
            yield line
            continued = line.rstrip().endswith("\\")


@dataclass
class Person:
    """Someone in the class: their own HOME and work folder, their clouds.yaml and their OS_CLOUD, and nothing
    else of the environment that could name a cloud."""

    name: str
    home: Path
    clouds_yaml: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "STACKLAB_"))}
        env.update(HOME=str(self.home), OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml), OS_CLOUD=self.name,
                   PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", XDG_CONFIG_HOME=str(self.home / ".config"))
        return env

    def run(self, script: str, timeout: float = LAB_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-euc", script], cwd=self.home, env=self.env(), capture_output=True,
                              text=True, timeout=timeout)


@dataclass
class Classroom:
    cloud: LiveCloud
    instructor: Person
    students: list[Person]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Classroom]:
    """A live lab, its admin's clouds.yaml written by `stacklab clouds-yaml --write`, and a class of three made
    by `stacklab class create` as the instructor would (with the quota of the instructors' guide)."""
    base = tmp_path_factory.mktemp("rehearsal")
    cloud = start_live_cloud(base / "lab")
    try:
        home = base / "instructor"
        home.mkdir()
        instructor = Person("stacklab", home, home / "clouds.yaml")
        port = cloud.url.rsplit(":", 1)[1]
        made = instructor.run(f"stacklab clouds-yaml --write --port {port} --data-dir {cloud.data_dir} "
                              f"--admin-password {cloud.env['STACKLAB_ADMIN_PASSWORD']}\n"
                              f"stacklab class create --students 3 --quota {CLASS_QUOTA} --output class",
                              timeout=300)
        assert made.returncode == 0, made.stdout + made.stderr
        students = []
        for n in (1, 2, 3):
            name = f"student{n:02d}"
            student_home = base / name
            student_home.mkdir()
            students.append(Person(name, student_home, home / "class" / "clouds" / f"{name}.yaml"))
        yield Classroom(cloud, instructor, students)
    finally:
        cloud.stop()


def rehearse(room: Classroom, lab: Lab, student: Person) -> str:
    """Run the lab's README blocks as written (consecutive blocks of one person in one bash); return what they
    printed. Fails with the output when a command fails or the README's `stacklab check` does not pass."""
    blocks = readme_blocks(lab)
    checks = [b for b in blocks if b.code.strip() == f"stacklab check {lab.id}"]
    assert len(checks) == 1, f"lab {lab.id}: the README needs one `stacklab check {lab.id}` block"
    assert checks[0].role == ("instructor" if lab.instructor_demo else "student"), lab.id
    groups: list[tuple[str, list[str]]] = []
    for block in blocks:
        if groups and groups[-1][0] == block.role:
            groups[-1][1].append(block.code)
        else:
            groups.append((block.role, [block.code]))
    printed = []
    for role, codes in groups:
        person = room.instructor if role == "instructor" else student
        result = person.run("\n".join(codes))
        printed.append(result.stdout)
        assert result.returncode == 0, (f"lab {lab.id} as {person.name} failed ({result.returncode}):\n"
                                        f"{result.stdout}\n{result.stderr}")
    output = "".join(printed)
    assert f"Lab {lab.id}:" in output and re.search(r"All \d+ checks passed", output), \
        f"lab {lab.id}: `stacklab check {lab.id}` did not pass:\n{output}"
    return output


def check(person: Person, lab_id: str) -> subprocess.CompletedProcess[str]:
    return person.run(f"stacklab check {lab_id}", timeout=300)


def test_every_readme_can_be_rehearsed() -> None:
    """Every lab's README has runnable blocks, exactly one of which is its check; demo labs say who does what."""
    for lab in LABS:
        blocks = readme_blocks(lab)
        assert [b.code.strip() for b in blocks].count(f"stacklab check {lab.id}") == 1, lab.id
        assert all("--os-cloud" not in b.code for b in blocks), f"lab {lab.id} names a cloud: use $OS_CLOUD"
        if lab.instructor_demo:
            assert lab.admin, lab.id
            assert {b.role for b in blocks} == {"instructor", "student"}, \
                f"lab {lab.id}: an instructor demo has steps for the instructor and for the students"
    assert {lab.id for lab in LABS if lab.admin} == {lab.id for lab in LABS if lab.instructor_demo}


def test_one_student_follows_every_lab_as_written(classroom: Classroom) -> None:
    """student01 runs every README in order with only their own clouds.yaml; each lab's check passes."""
    student = classroom.students[0]
    for lab in LABS:
        rehearse(classroom, lab, student)


def test_other_students_see_none_of_it(classroom: Classroom) -> None:
    """student02 and student03 start blank beside student01's work, then do a few labs as written: each check
    passes on their own work only, and nobody lists another's resources."""
    first, second, third = classroom.students
    by_id = {lab.id: lab for lab in LABS}
    if first.run("openstack image show whoami -f value -c name").returncode != 0:
        rehearse(classroom, by_id["1.1"], first)  # this test run alone: give student01 something to hide
    for lab_id in ("1.1", "2.1"):
        assert check(second, lab_id).returncode == 1, f"student02 passes {lab_id} without doing it"
    rehearse(classroom, by_id["1.1"], second)
    rehearse(classroom, by_id["2.1"], second)
    rehearse(classroom, by_id["1.5"], third)
    assert check(third, "1.1").returncode == 1, "student03 passes 1.1 with someone else's work"
    for person, own in ((second, {"whoami"}), (third, set())):
        project_id = person.run("openstack token issue -f value -c project_id").stdout.strip()
        listed = json.loads(person.run("openstack image list --long -f json").stdout)
        not_public = [(i["Name"], i["Project"]) for i in listed if i["Visibility"] != "public"]
        assert {name for name, _ in not_public} == own and {p for _, p in not_public} <= {project_id}, \
            (person.name, not_public)
    networks = set(third.run("openstack network list -f value -c Name").stdout.split())
    assert networks == {"public"}, networks
