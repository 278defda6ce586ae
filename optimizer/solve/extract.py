"""An OR-Tools assignment -> routes of the :class:`~optimizer.model.Schedule`."""

from __future__ import annotations

from optimizer.model import Problem, Route, ScheduledBreak, Stop, TravelMatrix
from optimizer.solve.build import BuiltModel
from optimizer.solve.timing import to_datetime, to_s, travel_s


def routes_from(problem: Problem, matrix: TravelMatrix, built: BuiltModel, solution) -> list[Route]:
    """Read every non-empty route, with arrival, wait and start times per stop."""
    routing, manager, time = built.routing, built.manager, built.time
    breaks_by_vehicle = _breaks(built, solution)
    routes = []
    for v, shift in enumerate(built.shifts):
        tech = built.techs[v]
        index = routing.Start(v)
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(index)
            index = solution.Value(routing.NextVar(index))
        nodes.append(index)
        if len(nodes) <= 2:
            continue
        service = built.node_service_s[v]
        route_start = solution.Value(time.CumulVar(nodes[0]))
        route_end = solution.Value(time.CumulVar(nodes[-1]))
        taken = [b for b in breaks_by_vehicle.get(v, []) if route_start <= b[1] < route_end]
        stops = []
        prev_point = built.node_points[manager.IndexToNode(nodes[0])]
        prev_free = route_start
        for index in nodes[1:-1]:
            node = manager.IndexToNode(index)
            point = built.node_points[node]
            order = built.order_of_node(node)
            start = solution.Value(time.CumulVar(index))
            leg = travel_s(matrix, prev_point, point, tech)
            in_gap = sum(b[2] - b[1] for b in taken if prev_free <= b[1] and b[2] <= start)
            arrival = min(start, prev_free + leg + in_gap)
            late = max(0, start - to_s(problem, order.sla_due)) if order.sla_due else 0
            stops.append(Stop(
                order_id=order.order_id,
                location=order.location,
                arrival=to_datetime(problem, arrival),
                start=to_datetime(problem, start),
                end=to_datetime(problem, start + service[node]),
                wait_s=start - arrival,
                travel_s=leg,
                distance_m=int(matrix.distance_m[prev_point][point]),
                sla_late_s=late,
            ))
            prev_point, prev_free = point, start + service[node]
        end_point = built.node_points[manager.IndexToNode(nodes[-1])]
        routes.append(Route(
            tech_id=shift.tech_id,
            shift_id=shift.shift_id,
            start_location=shift.start_location,
            end_location=shift.end_location,
            start=to_datetime(problem, route_start),
            end=to_datetime(problem, route_end),
            stops=tuple(stops),
            breaks=tuple(ScheduledBreak(kind, to_datetime(problem, a), to_datetime(problem, b))
                         for kind, a, b in taken),
            return_travel_s=travel_s(matrix, prev_point, end_point, tech),
            return_distance_m=int(matrix.distance_m[prev_point][end_point]),
            overtime_s=max(0, route_end - to_s(problem, shift.end)),
        ))
    return routes


def _breaks(built: BuiltModel, solution) -> dict[int, list[tuple[str, int, int]]]:
    """Per vehicle: (kind, start_s, end_s) of each performed break, in time order."""
    container = solution.IntervalVarContainer()
    values = {}
    for i in range(container.Size()):
        element = container.Element(i)
        values[element.Var().Name()] = element
    result: dict[int, list[tuple[str, int, int]]] = {}
    for v, intervals in built.breaks.items():
        taken = []
        for interval, kind in intervals:
            element = values.get(interval.Name())
            if element is not None and element.PerformedValue():
                taken.append((kind, element.StartValue(), element.EndValue()))
        result[v] = sorted(taken, key=lambda b: b[1])
    return result
