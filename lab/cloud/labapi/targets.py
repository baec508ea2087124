"""What the instructor's class-wide actions (a drill started, an exam begun) are aimed at, and what each caller
may list of their results: one place, so a drill and an exam pick students and hide other projects alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.labapi.models import LabStudent

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

Row = TypeVar("Row")


def chosen_students(cloud: Cloud, body: dict[str, Any]) -> list[LabStudent]:
    """The students a request names: {"students": [names]} (each once, in the order given) or {"all": true}
    (every student, by name). 400 for neither, 404 for an unknown name or a lab without students."""
    with cloud.db.read() as db:
        if body.get("all") is True:
            found = list(db.scalars(select(LabStudent).order_by(LabStudent.name)))
            if not found:
                raise NotFound("There are no students: make a class first (`stacklab class create`).")
            return found
        names = body.get("students")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise BadRequest("Invalid input: give 'students' (a list of student names) or 'all': true.")
        found = []
        for name in dict.fromkeys(names):
            student = db.get(LabStudent, name)
            if student is None:
                raise NotFound(f"Could not find student: {name}.")
            found.append(student)
        return found


def visible_rows(cloud: Cloud, ctx: RequestContext, model: type[Row]) -> list[Row]:
    """Every row of `model` (a drill run, an exam) for an admin, else only the caller's project's; by student
    name, then in the order they were made."""
    columns: Any = model  # the models share project_id, project_name and id
    with cloud.db.read() as db:
        query = select(model).order_by(columns.project_name, columns.id)
        if not ctx.is_admin:
            query = query.where(columns.project_id == ctx.project_id)
        return list(db.scalars(query))
