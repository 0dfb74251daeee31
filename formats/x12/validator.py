"""Validating one X12 transaction set against its implementation map (850/855, 997/999).

ASC X12.6 syntax rules and the 997/999 error codes (X12 data elements 718/720/723): the set is
walked segment by segment through the map's loops, the way the reference validator pyx12 walks
the same map files, so both judge a document alike. Findings are :class:`~formats.errors.Problem`
values whose ``level`` is the acknowledgment loop that reports them and whose ``code`` is the
X12 code:

=====================================================  =========  ====
finding                                                level      code
=====================================================  =========  ====
no map for the transaction set (718)                   transaction  1
segment tag not in the guide (720)                     segment      1
segment of the guide where it may not be (720)         segment      2
mandatory segment (or loop) missing (720)              segment      3
loop occurs more often than its repeat (720)           segment      4
segment used more often than its maximum use (720)     segment      5
mandatory element missing (723)                        element      1
conditional element missing: syntax P/R/C/L (723)      element      2
too many elements / components (723)                   element      3
too short / too long (723)                             element      4/5
invalid character, not a number, bad composite (723)   element      6
code not in the guide's list (723)                     element      7
not a date / not a time (723)                          element      8/9
exclusion (syntax E) or a not-used element sent (723)  element      10
=====================================================  =========  ====

Segment order is strict, as X12 and pyx12 have it: from the current place the walk looks
forward in the current loop, then in the enclosing loops; a segment that belongs earlier in the
current loop is *not* accepted (leniency is in the guides instead: situational segments and
generous repeats). Such a segment is reported as unexpected (code 2; pyx12 says 1 for both cases)
and the walk stays where it was. A missing mandatory segment is reported at the position of the
segment where its absence became certain. Element errors of a segment imply its AK3/IK3 code 8,
which :mod:`formats.x12.ack997` adds. Envelope problems found by the reader (``ts.problems``)
are not repeated here.

Fast: the map is precompiled (:mod:`formats.x12.implementation_map`), the walk keeps one small
frame per open loop, and a correct element costs a length test and one compiled type check.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from formats.errors import Location, Problem, ValidationError
from formats.x12.envelope import TransactionSet
from formats.x12.implementation_map import (
    CONTROL_CHARACTERS,
    CompositeRule,
    ElementRule,
    ImplementationMap,
    LoopRule,
    SegmentRule,
    invalid_characters,
    load_map,
)

_TEXT_TYPES = frozenset({"AN", "ID"})


class _Frame:
    """One open loop occurrence: which child we are at and how often each child occurred."""

    __slots__ = ("counts", "index", "rule")

    def __init__(self, rule: LoopRule) -> None:
        self.rule = rule
        self.counts = [0] * len(rule.children)
        self.index = 0


class _Walk:
    """Validation of one transaction set; collects problems in :attr:`problems`."""

    def __init__(self, ts: TransactionSet, imap: ImplementationMap, lenient_qualifiers: bool = False,
                 agreed_codes: Mapping[str, Collection[str]] | None = None) -> None:
        self.ts = ts
        self.imap = imap
        self.lenient_qualifiers = lenient_qualifiers
        self.agreed_codes = agreed_codes or {}
        self.component = ts.interchange.delimiters.component
        # the AN/ID characters of the interchange's own character set (X12.6 extended set; Latin-1, UTF-8)
        self.invalid = invalid_characters(imap.family, ts.interchange.charset)
        self.problems: list[Problem] = []
        root = _Frame(imap.body)
        root.counts[0] = 1  # the ST that opened the set
        self.stack = [root]

    # -- locations and findings -------------------------------------------------------------
    def _add(self, level: str, code: str, message: str, position: int, tag: str,
             element: int | None = None, component: int | None = None) -> None:
        ts = self.ts
        self.problems.append(Problem(message, Location(
            segment_position=position, segment_tag=tag, element_position=element, component_position=component,
            interchange=ts.interchange.control_number, group=ts.group.control_number,
            transaction=ts.control_number), code, level))

    # -- the walk through loops -------------------------------------------------------------
    def _enter(self, parent: _Frame, index: int, tag: str, position: int) -> SegmentRule:
        loop = parent.rule.children[index]
        if not isinstance(loop, LoopRule):  # pragma: no cover - callers pass loops only
            raise ValidationError(f"{tag}: map child {index} is not a loop")
        parent.counts[index] += 1
        parent.index = index
        if parent.counts[index] > loop.max_repeat:
            self._add("segment", "4", f"loop {loop.loop_id} occurs more than {loop.max_repeat} times", position, tag)
        frame = _Frame(loop)
        self.stack.append(frame)
        first = loop.children[0]
        if isinstance(first, LoopRule):
            return self._enter(frame, 0, tag, position)
        frame.counts[0] = 1
        return first

    def step(self, tag: str, position: int) -> SegmentRule | None:
        """Move to the map segment for ``tag``; None when the guide has no place for it here."""
        stack = self.stack
        missing: list[str] = []
        level = len(stack) - 1
        start = stack[level].index
        while True:
            frame = stack[level]
            rule, counts, tags = frame.rule, frame.counts, frame.rule.tags
            for i in range(start, len(tags)):
                if tags[i] != tag:
                    child = rule.children[i]
                    if child.usage == "R" and counts[i] == 0:
                        missing.append(tags[i])
                    continue
                child = rule.children[i]
                if isinstance(child, LoopRule):
                    del stack[level + 1:]
                    found = self._enter(frame, i, tag, position)
                elif level > 0 and tags[0] == tag:  # the segment that opens this loop: a new occurrence
                    del stack[level:]
                    found = self._enter(stack[level - 1], stack[level - 1].index, tag, position)
                else:
                    del stack[level + 1:]
                    counts[i] += 1
                    frame.index = i
                    found = child
                    if counts[i] > child.max_use:
                        self._add("segment", "5", f"segment {tag} used more than {child.max_use} times", position,
                                  tag)
                for absent in missing:
                    self._add("segment", "3", f"mandatory segment {absent} is missing", position, absent)
                return found
            if level == 0:
                known = tag in self.imap.segments_by_tag
                self._add("segment", "2" if known else "1",
                          f"segment {tag} is not expected here" if known else f"segment {tag} is not in the guide",
                          position, tag)
                return None
            start = stack[level - 1].index
            level -= 1

    # -- elements ---------------------------------------------------------------------------
    def _value(self, rule: ElementRule, value: str, position: int, tag: str, element: int,
               component: int | None) -> None:
        if rule.usage == "N":
            self._add("element", "10", f"{tag}{element:02d} is not used in this guide", position, tag, element,
                      component)
            return
        length = len(value.replace("-", "").replace(".", "")) if rule.numeric else len(value)
        if length < rule.min_length:
            self._add("element", "4", f"{rule.name} ({tag}{element:02d}) is shorter than {rule.min_length}",
                      position, tag, element, component)
        elif length > rule.max_length:
            self._add("element", "5", f"{rule.name} ({tag}{element:02d}) is longer than {rule.max_length}",
                      position, tag, element, component)
        bad_type = ("6" if self.invalid.search(value) else None) if rule.text_like else rule.check_type(value)
        if bad_type and CONTROL_CHARACTERS.search(value):
            self._add("element", "6", f"{rule.name} ({tag}{element:02d}) contains a control character",
                      position, tag, element, component)
            return
        if value[-1] == " " and rule.data_type in _TEXT_TYPES and len(value.rstrip()) >= rule.min_length:
            self._add("element", "6", f"{rule.name} ({tag}{element:02d}) has trailing spaces", position, tag,
                      element, component)
        if (rule.codes is not None and value not in rule.codes
                and not (rule.qualifier_list and self.lenient_qualifiers)
                and value not in self.agreed_codes.get(rule.reference, ())):
            self._add("element", "7", f"{value!r} is not a code of X12 element {rule.reference} ({rule.name})",
                      position, tag, element, component)
        if bad_type:
            kind = {"8": "date", "9": "time"}.get(bad_type, rule.data_type)
            self._add("element", bad_type, f"{rule.name} ({tag}{element:02d}) {value!r} is not a valid {kind}",
                      position, tag, element, component)

    def _composite(self, rule: CompositeRule, value: str, position: int, tag: str, element: int) -> None:
        parts = value.split(self.component) if value else []
        if not any(parts):
            if rule.usage == "R":
                self._add("element", "1", f"mandatory composite {rule.reference} ({tag}{element:02d}) is missing",
                          position, tag, element)
            return
        components = rule.components
        if len(parts) > len(components):
            self._add("element", "3", f"{tag}{element:02d} has more than {len(components)} components", position,
                      tag, element, len(components) + 1)
        for j, component in enumerate(components):
            part = parts[j] if j < len(parts) else ""
            if part:
                self._value(component, part, position, tag, element, j + 1)
            elif component.usage == "R" and (j > 0 or rule.usage == "R"):
                self._add("element", "1", f"mandatory {component.name} ({tag}{element:02d}-{j + 1}) is missing",
                          position, tag, element, j + 1)

    def segment(self, rule: SegmentRule, segment: list[str], position: int) -> None:
        """Element, composite and syntax-note checks of one segment."""
        tag = segment[0]
        fields = rule.fields
        sent = len(segment) - 1
        if sent > len(fields):
            self._add("element", "3", f"{tag} has {sent} elements, the guide defines {len(fields)}", position, tag,
                      len(fields) + 1)
        component = self.component
        # one search over the whole segment stands for every ID/AN element's character check
        invalid = self.invalid
        clean = invalid.search("".join(segment)) is None
        quick = rule.quick_lenient if self.lenient_qualifiers else rule.quick
        for index in range(min(sent, len(fields))):
            value = segment[index + 1]
            check = quick[index]
            if check is not None and value:
                # the common case first: a correct value costs a length test and one type check
                low, high, codes, numeric, text_like, check_type = check
                length = len(value)
                if numeric and ("-" in value or "." in value):
                    length = len(value.replace("-", "").replace(".", ""))
                if (low <= length <= high and value[-1] != " " and component not in value
                        and (codes is None or value in codes)
                        and ((clean or invalid.search(value) is None) if text_like else check_type(value) is None)):
                    continue
            field = fields[index]
            if not isinstance(field, ElementRule):
                self._composite(field, value, position, tag, index + 1)
            elif value:
                if component in value:
                    self._add("element", "6", f"{tag}{index + 1:02d} is a simple element, not a composite",
                              position, tag, index + 1)
                else:
                    self._value(field, value, position, tag, index + 1, None)
            elif field.usage == "R":
                self._add("element", "1", f"mandatory {field.name} ({tag}{index + 1:02d}) is missing", position,
                          tag, index + 1)
        for element in rule.required:
            if element > sent:
                field = fields[element - 1]
                if isinstance(field, ElementRule):
                    self._add("element", "1", f"mandatory {field.name} ({tag}{element:02d}) is missing", position,
                              tag, element)
                else:
                    self._composite(field, "", position, tag, element)
        for kind, elements, lowest in rule.syntax:
            if lowest > sent:  # none of the elements is there
                if kind == "R":
                    self._syntax(kind, elements, segment, position)
                continue
            if kind == "P" and len(elements) == 2:  # the usual paired note (qualifier + value): no list needed
                first, second = elements
                if (bool(segment[first]) if first <= sent else False) != (
                        bool(segment[second]) if second <= sent else False):
                    self._syntax(kind, elements, segment, position)
                continue
            present = [e for e in elements if e <= sent and segment[e]]
            count = len(present)
            if kind == "P":
                ok = count in (0, len(elements))
            elif kind == "R":
                ok = count > 0
            elif kind == "E":
                ok = count < 2
            else:  # C and L: only when the first element is there
                ok = not present or present[0] != elements[0] or count == (len(elements) if kind == "C" else 2) \
                    or (kind == "L" and count > 1)
            if not ok:
                self._syntax(kind, elements, segment, position)

    def _syntax(self, kind: str, elements: tuple[int, ...], segment: list[str], position: int) -> None:
        sent = len(segment) - 1
        present = [e for e in elements if e <= sent and segment[e] != ""]
        absent = [e for e in elements if e not in present]
        tag = segment[0]
        note = kind + "".join(f"{e:02d}" for e in elements)
        if kind == "P" and present and absent:
            self._add("element", "2", f"{tag}: {note} - if one is present all are required", position, tag, absent[0])
        elif kind == "R" and not present:
            self._add("element", "2", f"{tag}: {note} - at least one is required", position, tag, elements[0])
        elif kind == "E" and len(present) > 1:
            self._add("element", "10", f"{tag}: {note} - only one may be present", position, tag, present[1])
        elif kind == "C" and elements[0] in present and any(e in absent for e in elements[1:]):
            missing = next(e for e in elements[1:] if e in absent)
            self._add("element", "2", f"{tag}: {note} - required when {tag}{elements[0]:02d} is present", position,
                      tag, missing)
        elif kind == "L" and elements[0] in present and not any(e in present for e in elements[1:]):
            self._add("element", "2", f"{tag}: {note} - one is required when {tag}{elements[0]:02d} is present",
                      position, tag, elements[1])


def validate(ts: TransactionSet, imap: ImplementationMap | None = None, *, qualifier_lists: bool = False,
             agreed_codes: Mapping[str, Collection[str]] | None = None) -> tuple[Problem, ...]:
    """Every finding of the implementation map about ``ts`` (not the reader's envelope findings).

    ``imap`` defaults to the map for ST01 and GS08; a set no map exists for gives one problem of
    level ``transaction``, code ``1`` (transaction set not supported).

    The X12 qualifier lists partners extend with codes of their own (reference 128, unit 355,
    date/time 374, identification code 66:
    :data:`~formats.x12.implementation_map.QUALIFIER_CODESETS`) are checked only with
    ``qualifier_lists``, as pyx12 and partners' validators check them (what we send:
    :func:`formats.translate.check`). Without it a partner's own unit code is not a syntax
    error: the intake takes it through the partner's unit map, or refuses the line in the 855.
    ``agreed_codes`` (data element -> codes, e.g. ``{"355": {"KI"}}``) are codes one partner
    agreed to outside the X12 lists: its unit overrides, the codes of the order being answered.
    """
    if imap is None:
        try:
            imap = load_map(ts.code, ts.group.version)
        except ValidationError as exc:
            return (Problem(exc.message, Location(interchange=ts.interchange.control_number,
                                                  group=ts.group.control_number, transaction=ts.control_number),
                            "1", "transaction"),)
    walk = _Walk(ts, imap, lenient_qualifiers=not qualifier_lists, agreed_codes=agreed_codes)
    segments = ts.segments
    st_rule = imap.body.children[0]
    if isinstance(st_rule, SegmentRule) and segments:
        walk.segment(st_rule, segments[0], 1)
    for index in range(1, len(segments)):
        segment = segments[index]
        rule = walk.step(segment[0], index + 1)
        if rule is not None:
            walk.segment(rule, segment, index + 1)
    return tuple(walk.problems)


__all__ = ["validate"]
