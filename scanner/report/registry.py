"""The registry for people: what an import did, what a registry holds, one entry (ID number and
birth date masked, as every human output masks them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..fields import FIELD_LABELS_EN, FIELD_LABELS_ZH, FIELD_ORDER
from ..text import Lang, display_width
from .reading import shown_value

if TYPE_CHECKING:
    from ..registry import RegistryEntry, RegistryStats
    from ..registry.importer import ImportReport


def import_summary(report: ImportReport, db: str, lang: Lang = "zh") -> str:
    """What an import did, with each rejected row's line and reason and each certificate code
    given to another person (`--replace`)."""
    if lang == "zh":
        head = (
            f"{report.file} → {db}：读取{report.rows}行，新增{report.added}人，更新{report.updated}人，"
            f"其他执业机构{report.extra_sites}条，拒绝{len(report.rejected)}行"
        )
        rows = [f"  第{r.line}行：{r.reason_zh}" for r in report.rejected]
        rows += [
            f"  证书编码{r.certificate_code}由{r.old_name}（{r.old_source}）"
            f"改登记给{r.new_name}（{r.new_source}），已记录替换（{r.replaced_at}）"
            for r in report.replaced
        ]
        rows += [f"  第{r.line}行：{r.reason_zh}" for r in report.cleared]
        if report.unsure_institutions:
            names = "、".join(report.unsure_institutions)
            rows.append(f"  未能确定官方名称、按原样保存的机构：{names}")
        if report.ignored_columns:
            rows.append(f"  未使用的列：{'、'.join(report.ignored_columns)}")
    else:
        head = (
            f"{report.file} → {db}: {report.rows} rows read, {report.added} doctors added, "
            f"{report.updated} updated, {report.extra_sites} further sites, {len(report.rejected)} rejected"
        )
        rows = [f"  line {r.line}: {r.reason}" for r in report.rejected]
        rows += [
            f"  certificate code {r.certificate_code} given from {r.old_name} ({r.old_source}) to "
            f"{r.new_name} ({r.new_source}), replacement recorded ({r.replaced_at})"
            for r in report.replaced
        ]
        rows += [f"  line {r.line}: {r.reason}" for r in report.cleared]
        if report.unsure_institutions:
            names = ", ".join(report.unsure_institutions)
            rows.append(f"  institutions kept as written (no sure official name): {names}")
        if report.ignored_columns:
            rows.append(f"  columns not used: {', '.join(report.ignored_columns)}")
    return "\n".join([head, *rows])


def stats_summary(stats: RegistryStats, lang: Lang = "zh") -> str:
    """Registry counts for people."""
    cats = ", ".join(f"{k} {v}" for k, v in stats.by_category.items())
    levels = ", ".join(f"{k} {v}" for k, v in stats.by_level.items())
    if lang == "zh":
        head = f"{stats.location}：{stats.doctors}名医师，{stats.sites}个执业机构登记"
        return f"{head}\n  执业类别：{cats}\n  医师级别：{levels}"
    head = f"{stats.location}: {stats.doctors} doctors, {stats.sites} registered sites"
    return f"{head}\n  categories: {cats}\n  levels: {levels}"


def entry_summary(entry: RegistryEntry, lang: Lang = "zh") -> str:
    """A registry entry for people, ID number and birth date masked (`shown_value`)."""
    labels = FIELD_LABELS_ZH if lang == "zh" else FIELD_LABELS_EN
    width = max(display_width(labels[k]) for k in FIELD_ORDER)
    lines = [entry.certificate_code]
    for key in FIELD_ORDER:
        value = entry.value(key)
        shown = shown_value(key, value) or "—"
        pad = " " * (width - display_width(labels[key]))
        lines.append(f"  {labels[key]}{pad}  {shown}")
    if entry.other_institutions:
        label = "其他执业机构" if lang == "zh" else "Further sites"
        lines.append(f"  {label}  {'、'.join(entry.other_institutions)}")
    if entry.source:
        lines.append(f"  {'来源' if lang == 'zh' else 'Source'}  {entry.source}")
    return "\n".join(lines)
