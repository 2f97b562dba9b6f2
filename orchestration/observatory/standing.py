""" "Where do I stand": the organisation's DECP indicators beside the observatory's figures, for
its semester report (orchestration/publication/report.py).

For each DECP indicator of the organisation (NAT-1, NAT-2, IMP-11, DEP-4 at its own threshold,
and the share of reserved contracts of its buyers), its value beside the first quartile, median
and third quartile of the ranked buyers of its own kind (the organisation's org_kind), its rank
among them, and the median of the départements (all buyers of each territory). Below the
observatory's minimum of contracts the organisation is shown, not ranked. Without observatory
figures for the semester, one French sentence says so.
"""

from __future__ import annotations

import html

from .page import INDICATEURS, fr_number

TITLE = "Où en sommes-nous ? Comparaison nationale (observatoire DECP)"
# org_kind of the configuration -> the observatory's kind of buyer (others compare with 'autre')
KIND_OF_ORG = {"departement": "departement", "region": "region", "commune": "commune", "epci": "epci"}
CATALOGUE = ("NAT-1", "NAT-2", "IMP-11", "DEP-4")
RESERVED = "MAR-RES"


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _exists(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _absent(semester: str) -> str:
    return (
        f"<section><h2>{_e(TITLE)}</h2><p class=\"note\">Aucun chiffre de l'observatoire national n'existe pour "
        f"le semestre {_e(semester)} : la comparaison avec les autres acheteurs publics n'est pas disponible "
        "(elle apparaît une fois `spaser observatoire` lancé sur les DECP nationales).</p></section>"
    )


def standing_rows(con, org: str, semester: str, current: list[dict]) -> list[dict] | None:
    """One row per DECP indicator: the organisation's value and its comparison; None when the
    observatory has no figure for the semester."""
    if not _exists(con, "publication", "mart_observatoire_national"):
        return None
    if not con.execute(
        "SELECT count(*) FROM publication.mart_observatoire_national WHERE period_type = 'semestre' AND period = ?",
        [semester],
    ).fetchall()[0][0]:
        return None
    params = (
        {
            r["parameter"]: r["value"]
            for r in _rows(con, "SELECT parameter, value FROM publication.observatoire_parametres")
        }
        if _exists(con, "publication", "observatoire_parametres")
        else {}
    )
    minimum = int(params.get("min_marches", "1"))
    kind_of = _rows(con, "SELECT org_kind FROM reference.organisations WHERE org_id = ?", [org])
    kind = KIND_OF_ORG.get(kind_of[0]["org_kind"] if kind_of else "", "autre")
    seuil = _rows(
        con,
        """SELECT cast(value AS DOUBLE) AS seuil FROM reference.spaser_parametres
           WHERE org_id = ? AND parameter = 'seuil_clause_sociale_dep4_eur'""",
        [org],
    )
    seuil_dep4 = seuil[0]["seuil"] if seuil else None
    own_buyers = [
        r["acheteur_siret"]
        for r in _rows(con, "SELECT acheteur_siret FROM reference.organisation_acheteurs WHERE org_id = ?", [org])
    ]
    by_id = {r["indicator_id"]: r for r in current}
    out = []
    for indicator in (*CATALOGUE, RESERVED):
        threshold = seuil_dep4 if indicator == "DEP-4" else None
        if indicator == "DEP-4" and threshold is None:
            continue
        if indicator == RESERVED:  # not in the catalogue: its buyers' figures in the observatory
            mine = _rows(
                con,
                """SELECT sum(n_oui) AS yes, sum(n_connus) AS known FROM publication.mart_observatoire_acheteurs
                   WHERE period_type = 'semestre' AND period = ? AND indicator_id = ?
                     AND list_contains(?, acheteur_id)""",
                [semester, indicator, own_buyers],
            )[0]
            known = mine["known"] or 0
            value = 100.0 * mine["yes"] / known if known else None
        else:
            r = by_id.get(indicator)
            known = (r or {}).get("denominator") or 0
            value = r["value"] if r and r.get("is_available") else None
        where = "period_type = 'semestre' AND period = ? AND indicator_id = ? AND seuil_eur IS NOT DISTINCT FROM ?"
        kind_row = _rows(
            con,
            f"SELECT * FROM publication.mart_observatoire_types WHERE type_acheteur = ? AND {where}",
            [kind, semester, indicator, threshold],
        )
        national = _rows(
            con, f"SELECT * FROM publication.mart_observatoire_national WHERE {where}", [semester, indicator, threshold]
        )
        peers = [
            p["valeur_pct"]
            for p in _rows(
                con,
                f"""SELECT valeur_pct FROM publication.mart_observatoire_acheteurs
                    WHERE type_acheteur = ? AND statut = 'classé' AND NOT list_contains(?, acheteur_id) AND {where}""",
                [kind, own_buyers, semester, indicator, threshold],
            )
        ]
        ranked = value is not None and known >= minimum
        out.append(
            {
                "indicator_id": indicator,
                "seuil_eur": threshold,
                "value": value,
                "known": known,
                "ranked": ranked,
                "rank": 1 + sum(1 for p in peers if p > value + 1e-9) if ranked else None,
                "out_of": len(peers) + 1,
                "kind": kind,
                "kind_label": kind_row[0]["type_libelle"] if kind_row else kind,
                "q1": kind_row[0]["q1_acheteurs_pct"] if kind_row else None,
                "median": kind_row[0]["mediane_acheteurs_pct"] if kind_row else None,
                "q3": kind_row[0]["q3_acheteurs_pct"] if kind_row else None,
                "peers": len(peers),
                "median_departements": national[0]["mediane_departements_pct"] if national else None,
                "minimum": minimum,
            }
        )
    return out


def standing_section(con, manifest: dict, current: list[dict]) -> str:
    """The report's section (HTML, French)."""
    semester = manifest["semester"]
    # its own cursor: the publication's connection is in the middle of writing a release, and a
    # result left open on it (a fetchone) fails the next organisation's export
    cursor = con.cursor()
    try:
        rows = standing_rows(cursor, manifest["organisation"], semester, current)
    finally:
        cursor.close()
    if rows is None:
        return _absent(semester)
    kind_label = rows[0]["kind_label"] if rows else ""
    lines = []
    for r in rows:
        label = INDICATEURS.get(r["indicator_id"], r["indicator_id"])
        if r["seuil_eur"] is not None:
            label += f" de {fr_number(r['seuil_eur'], 0)} €"
        if r["value"] is None:
            value = '<span class="muted">n.d.</span>'
        else:
            value = f"{fr_number(r['value'])} %"
        rank = (
            f"{r['rank']} / {r['out_of']}"
            if r["ranked"]
            else f'<span class="muted">non classé (moins de {r["minimum"]} marchés connus)</span>'
            if r["value"] is not None
            else NONE_TEXT
        )
        lines.append(
            f"<tr><td>{_e(r['indicator_id'])}</td><td>{_e(label)}</td>"
            f'<td class="num strong">{value}<br><span class="muted">n = {fr_number(r["known"], 0)}</span></td>'
            f'<td class="num">{_pct(r["q1"])}</td><td class="num">{_pct(r["median"])}</td>'
            f'<td class="num">{_pct(r["q3"])}</td><td class="num">{rank}</td>'
            f'<td class="num">{_pct(r["median_departements"])}</td></tr>'
        )
    return (
        f"<section><h2>{_e(TITLE)}</h2>"
        f'<p class="note">Semestre {_e(semester)}, indicateurs calculés à partir des DECP, avec les mêmes définitions '
        f"pour tous les acheteurs publics. Quartiles et rang : parmi les acheteurs de type « {_e(kind_label)} » "
        "classés (rang 1 = la part la plus élevée) ; dernière colonne : médiane des départements (tous les "
        "acheteurs de chaque territoire). n : marchés dont l'information est connue.</p>"
        '<table class="indicators"><thead><tr><th>Id</th><th>Indicateur</th><th class="num">Votre valeur</th>'
        '<th class="num">1er quartile</th><th class="num">Médiane</th><th class="num">3e quartile</th>'
        '<th class="num">Rang</th><th class="num">Médiane des départements</th></tr></thead><tbody>'
        + "".join(lines)
        + "</tbody></table></section>"
    )


NONE_TEXT = '<span class="muted">—</span>'


def _pct(value) -> str:
    return NONE_TEXT if value is None else f"{fr_number(value)} %"
