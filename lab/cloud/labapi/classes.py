"""Classes of students, owned by the lab API: a project, a user (member role), a password, quotas and, when the
billing service is present, a starting balance per student, and a Keystone domain of the student's own
(named as the student, with the admin role on it: a domain admin of their users, groups and projects, never an
operator of the cloud) for the identity labs. The class record is the starting state a reset
returns a student to. A student's password is returned once, when it is issued; the lab keeps only its hash.

Quotas are given by resource name, whichever service owns it: `instances=4,cores=8,ram=4096` (compute),
`volumes=4,gigabytes=20,snapshots=4` (volume), `network=2,router=1,floatingip=2,...` (network).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from lab.cloud.billing.prices import parse_money
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.identity import schemas as identity_schemas
from lab.cloud.identity.models import Domain, Project, Role, User
from lab.cloud.labapi.models import LabClass, LabStudent, LabStudentDomain

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
MAX_STUDENTS = 500


def parse_quota(text: str | dict[str, Any] | None, known: list[str]) -> dict[str, int]:
    """'instances=4,cores=8' (or a dict) -> {'instances': 4, 'cores': 8}, each one of the `known` quota names
    (every service's, from the quota engine). Raises BadRequest naming a bad item."""
    if not text:
        return {}
    items = text.items() if isinstance(text, dict) else (
        part.split("=", 1) if "=" in part else (part, "") for part in str(text).split(",") if part.strip())
    quota: dict[str, int] = {}
    for key, value in items:
        key = str(key).strip()
        if key not in known:
            raise BadRequest(f"Invalid quota {key!r}: known quotas are {', '.join(known)}.")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise BadRequest(f"Invalid quota {key}={value!r}: the limit must be an integer (-1 for no limit).") \
                from None
        if number < -1:
            raise BadRequest(f"Invalid quota {key}={number}: the limit must be -1 or more.")
        quota[key] = number
    return quota


def student_name(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


@dataclass(frozen=True)
class StudentCredentials:
    name: str
    class_name: str
    project_id: str
    user_id: str
    password: str


class ClassManager:
    """Creating classes and students, and reading them back (admin only; the lab service checks policy)."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # ------------------------------------------------------------------ create
    def create_class(self, name: str, students: int, prefix: str, quota: dict[str, int],
                     balance: str | None) -> LabClass:
        """Record a class of `students` students called <prefix>01.. . Nothing is created when the class
        name or any student name clashes with a class, project or user that exists (409)."""
        if not isinstance(name, str) or not NAME.match(name):
            raise BadRequest(f"Invalid class name {name!r}: letters, digits, '-' and '_', starting with a letter.")
        if not isinstance(prefix, str) or not NAME.match(prefix):
            raise BadRequest(f"Invalid prefix {prefix!r}: letters, digits, '-' and '_', starting with a letter.")
        if not isinstance(students, int) or isinstance(students, bool) or not 1 <= students <= MAX_STUDENTS:
            raise BadRequest(f"Invalid number of students {students!r}: give 1 to {MAX_STUDENTS}.")
        if balance is not None:
            try:
                parse_money(balance, "balance")  # the bound every billing amount has
            except BadRequest:
                raise BadRequest(f"Invalid balance {balance!r}: give an amount such as 100 or 25.50.") from None
        width = max(2, len(str(students)))
        names = [student_name(prefix, n, width) for n in range(1, students + 1)]
        with self.cloud.db.write() as db:
            if db.get(LabClass, name) is not None:
                raise Conflict(f"A class named {name} already exists: choose another name, or reset it with "
                               f"`stacklab class reset --all`.")
            taken = sorted(set(db.scalars(select(Project.name).where(Project.name.in_(names))))
                           | set(db.scalars(select(User.name).where(User.name.in_(names))))
                           | set(db.scalars(select(Domain.name).where(Domain.name.in_(names))))
                           | set(db.scalars(select(LabStudent.name).where(LabStudent.name.in_(names)))))
            if taken:
                raise Conflict(f"Cannot create class {name}: {', '.join(taken[:5])}"
                               f"{' and others' if len(taken) > 5 else ''} already exist; choose another --prefix.")
            row = LabClass(name=name, prefix=prefix, quota=dict(quota), balance=balance,
                           created_at=self.cloud.clock.now())
            db.add(row)
        return row

    def planned_students(self, class_name: str, students: int) -> list[str]:
        cls = self.get_class(class_name)
        width = max(2, len(str(students)))
        return [student_name(cls.prefix, n, width) for n in range(1, students + 1)]

    def add_student(self, class_name: str, name: str) -> StudentCredentials:
        """Create one student of the class: project, user with the member role, quotas, balance."""
        cls = self.get_class(class_name)
        if not name.startswith(cls.prefix) or not name[len(cls.prefix):].isdigit():
            raise BadRequest(f"Invalid student name {name!r} for class {class_name}: expected {cls.prefix}NN.")
        system = RequestContext.system()
        identity = self.cloud.identity
        with self.cloud.db.read() as db:
            if db.get(LabStudent, name) is not None:
                raise Conflict(f"Student {name} already exists.")
            member = db.scalar(select(Role).where(Role.name == "member"))
        assert member is not None
        password = secrets.token_urlsafe(9)
        project = identity.create_project(system, identity_schemas.ProjectCreate(
            name=name, description=f"StackLab class {class_name}: student {name}"))
        user = identity.create_user(system, identity_schemas.UserCreate(
            name=name, password=password, default_project_id=project.id))
        identity.grant_role(system, "project", project.id, user.id, member.id)
        self.apply_quota(project.id, cls.quota)
        self.apply_balance(project.id, cls.balance)
        with self.cloud.db.write() as db:
            stored = db.get(User, user.id)
            assert stored is not None
            db.add(LabStudent(name=name, class_name=class_name, number=int(name[len(cls.prefix):]),
                              project_id=project.id, user_id=user.id, password_hash=stored.password_hash or "",
                              created_at=self.cloud.clock.now()))
        self.ensure_domain(name)
        return StudentCredentials(name, class_name, project.id, user.id, password)

    def ensure_domain(self, name: str) -> str:
        """The student's own domain (made, with their admin grant, when they have none: students of a class
        made before domains were given gain theirs at their next reset). Returns its id."""
        with self.cloud.db.read() as db:
            row = db.get(LabStudentDomain, name)
            if row is not None and db.get(Domain, row.domain_id) is not None:
                return row.domain_id
            student = db.get(LabStudent, name)
            admin = db.scalar(select(Role.id).where(Role.name == "admin", Role.domain_id.is_(None)))
            taken = db.scalar(select(Domain.id).where(func.lower(Domain.name) == name.lower()))
        if student is None:
            raise NotFound(f"Could not find student: {name}.")
        if taken is not None:
            raise Conflict(f"A domain named {name} exists that is not {name}'s own: rename or delete it "
                           f"(`openstack domain set --name ... {name}`), then reset {name}.")
        assert admin is not None
        system = RequestContext.system()
        domain = self.cloud.identity.create_domain(system, identity_schemas.DomainCreate(
            name=name, description=f"StackLab class {student.class_name}: {name}'s own domain"))
        self.cloud.identity.grant_role(system, "domain", domain.id, student.user_id, admin)
        with self.cloud.db.write() as db:
            db.merge(LabStudentDomain(student=name, domain_id=domain.id))
        return domain.id

    def domain_of(self, name: str) -> str | None:
        with self.cloud.db.read() as db:
            row = db.get(LabStudentDomain, name)
            return row.domain_id if row is not None else None

    def reissue_password(self, name: str) -> StudentCredentials:
        """A new password for student `name` (their old one stops working, their tokens are revoked, as a
        Keystone password change does): the only way to print a student's sheet again, since only hashes are
        kept. A later reset restores this new password."""
        student = self.get_student(name)
        password = secrets.token_urlsafe(9)
        self.cloud.identity.update_user(RequestContext.system(), student.user_id,
                                        identity_schemas.UserUpdate(password=password))
        with self.cloud.db.write() as db:
            user = db.get(User, student.user_id)
            row = db.get(LabStudent, name)
            assert user is not None and row is not None
            row.password_hash = user.password_hash or ""
        return StudentCredentials(name, student.class_name, student.project_id, student.user_id, password)

    def forget_plain_passwords(self) -> None:
        """Empty the plain passwords a database from before hashing still holds (see LabStudent)."""
        with self.cloud.db.write() as db:
            db.execute(update(LabStudent).where(LabStudent.legacy_password != "").values(legacy_password=""))

    def apply_quota(self, project_id: str, quota: dict[str, Any]) -> None:
        """Set the class's limits on a student's project (in the one quota engine, by name)."""
        with self.cloud.db.write() as db:
            self.cloud.quotas.set_by_name(db, project_id, {k: int(v) for k, v in quota.items()})

    def apply_balance(self, project_id: str, balance: str | None) -> None:
        """Give the project its starting balance."""
        if balance is not None:
            with self.cloud.db.write() as db:
                self.cloud.billing.set_starting_balance_in(db, project_id, balance)

    # ------------------------------------------------------------------ read
    def get_class(self, name: str) -> LabClass:
        with self.cloud.db.read() as db:
            row = db.get(LabClass, name)
        if row is None:
            raise NotFound(f"Could not find class: {name}.")
        return row

    def list_classes(self) -> list[tuple[LabClass, int]]:
        with self.cloud.db.read() as db:
            counts = dict(db.execute(select(LabStudent.class_name, func.count()).group_by(LabStudent.class_name))
                          .tuples().all())
            return [(row, int(counts.get(row.name, 0)))
                    for row in db.scalars(select(LabClass).order_by(LabClass.created_at, LabClass.name))]

    def students(self, class_name: str | None = None) -> list[LabStudent]:
        with self.cloud.db.read() as db:
            query = select(LabStudent).order_by(LabStudent.class_name, LabStudent.number)
            if class_name is not None:
                query = query.where(LabStudent.class_name == class_name)
            return list(db.scalars(query))

    def get_student(self, name: str) -> LabStudent:
        with self.cloud.db.read() as db:
            row = db.get(LabStudent, name)
        if row is None:
            raise NotFound(f"Could not find student: {name}.")
        return row
