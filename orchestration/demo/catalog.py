"""Static reference lists for the fictional "Département du Nord-Val" demo.

Everything here is invented but shaped like the real thing: SIRETs carry valid check digits,
CPV codes and labels are real, amount ranges and buying directions are plausible for a
French département. The organisation constants are reused by the dbt seeds.
"""

from __future__ import annotations

from typing import NamedTuple

# the demo modules use these through `catalog`; one definition in orchestration.identifiers
from ..identifiers import luhn_is_valid, siret_is_valid, with_luhn_key  # noqa: F401

# --- Identifiers -------------------------------------------------------------------------------


def french_vat_number(siren: str) -> str:
    """French intra-community VAT number: FR + 2-digit key + SIREN (DGFiP key formula)."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


# --- The organisation --------------------------------------------------------------------------

ORG_ID = "nordval"
ORG_NAME = "Département du Nord-Val"
ORG_DEPARTEMENT_CODE = "59"  # lieuExecution "Code département"

# SIREN 225900992 (22 = département) with two establishments, plus the SPL it buys for.
ORG_BUYERS: dict[str, str] = {
    "22590099200010": "Département du Nord-Val",
    "22590099200424": "Département du Nord-Val - Direction des collèges",
    "81259930600014": "SPL Nord-Val Aménagement",
}
ORG_BUYER_SIRETS: tuple[str, ...] = tuple(ORG_BUYERS)
ORG_MAIN_SIRET, ORG_COLLEGES_SIRET, ORG_SPL_SIRET = ORG_BUYER_SIRETS

# A commune of another département (62): publishes DECP too, out of the organisation's scope.
FOREIGN_BUYER_SIRET = "21620999900012"
FOREIGN_BUYER_NAME = "Commune de Fictiville-sur-Canche"
FOREIGN_COMMUNE_CODE = "62999"

# Départements used for the extra buyers of the national-scale mode.
OTHER_DEPARTEMENTS: tuple[str, ...] = (
    "02", "08", "13", "14", "21", "29", "31", "33", "35", "38",
    "44", "45", "57", "59", "62", "67", "69", "76", "80", "92",
)

# --- Geography (fictional communes, INSEE-like codes in 59) ------------------------------------

COMMUNES: tuple[tuple[str, str], ...] = (
    ("59901", "Valbrune"),
    ("59902", "Saint-Amand-du-Val"),
    ("59903", "Hautmont-la-Forêt"),
    ("59904", "Marcq-sur-Sambre"),
    ("59905", "Bellerive"),
    ("59906", "Fontaine-l'Abbé"),
    ("59907", "Le Quesnoy-Val"),
    ("59908", "Wattignies-les-Prés"),
    ("59909", "Condé-sur-Escaut"),
    ("59910", "Bois-Guérin"),
    ("59911", "Noirval"),
    ("59912", "Estrées-la-Côte"),
)
SECTEURS: tuple[str, ...] = ("Nord", "Sud", "Est", "Ouest", "Littoral", "Val de Sambre", "Métropole")
COLLEGES: tuple[str, ...] = (
    "collège Jean Moulin", "collège Victor Hugo", "collège Jules Ferry", "collège Louise Michel",
    "collège Marie Curie", "collège Pierre Mendès France", "collège Albert Camus",
    "collège Jean Jaurès", "collège Simone Veil", "collège Anne Frank", "collège George Sand",
    "collège Paul Éluard", "collège Jacques Prévert", "collège Gustave Eiffel",
)
BATIMENTS: tuple[str, ...] = (
    "Hôtel du Département", "Archives départementales", "Médiathèque départementale",
    "Maison départementale des solidarités", "centre d'exploitation routier",
    "Musée départemental", "Maison de l'autonomie",
)
BUILDING_LOTS: tuple[str, ...] = (
    "01 gros œuvre", "02 charpente et couverture", "03 menuiseries extérieures",
    "04 plâtrerie et isolation", "05 électricité", "06 chauffage, ventilation et plomberie",
    "07 voirie et réseaux divers",
)
LOGICIELS: tuple[str, ...] = (
    "gestion financière", "gestion des ressources humaines", "gestion des aides sociales",
    "gestion du patrimoine routier", "gestion électronique des documents", "portail des usagers",
)

# --- Buying directions ---------------------------------------------------------------------------

VOIRIE = "Direction de la Voirie"
COLLEGES_DIR = "Direction des Collèges"
NUMERIQUE = "Direction du Numérique"
BATIMENTS_DIR = "Direction des Bâtiments"
AUTONOMIE = "Direction de l'Autonomie"
ENFANCE = "Direction de l'Enfance et de la Famille"
INSERTION = "Direction de l'Insertion"
ENVIRONNEMENT = "Direction de l'Environnement"
MOBILITE = "Direction de la Mobilité"
CULTURE = "Direction de la Culture"
COMMUNICATION = "Direction de la Communication"
MOYENS = "Direction des Moyens généraux"
RH = "Direction des Ressources humaines"
JURIDIQUE = "Direction des Affaires juridiques"

DIRECTIONS: tuple[str, ...] = (
    VOIRIE, COLLEGES_DIR, NUMERIQUE, BATIMENTS_DIR, AUTONOMIE, ENFANCE, INSERTION,
    ENVIRONNEMENT, MOBILITE, CULTURE, COMMUNICATION, MOYENS, RH, JURIDIQUE,
)

# --- CPV catalogue -----------------------------------------------------------------------------

# CCAG values exactly as the 2024 DECP enum spells them.
CCAG_TRAVAUX = "Travaux"
CCAG_MOE = "Maitrise d'œuvre"
CCAG_FCS = "Fournitures courantes et services"
CCAG_MI = "Marchés industriels"
CCAG_PI = "Prestations intellectuelles"
CCAG_TIC = "Techniques de l'information et de la communication"


class CpvEntry(NamedTuple):
    code: str  # 8 digits, check character omitted as the schema recommends
    label: str
    direction: str
    kind: str  # T (travaux) / F (fournitures) / S (services): drives thresholds and ids
    ccag: str
    amount_low: float  # typical range (≈ 2 standard deviations of a log-normal)
    amount_high: float
    weight: float  # relative frequency of purchases
    invest: float  # share booked in the Investissement section
    framework: float  # share passed as accord-cadre
    social: float  # propensity multipliers for social / environmental considerations
    env: float
    sector: str  # supplier pool the titulaires come from
    specific: bool  # "services sociaux et autres services spécifiques": 750 k€ threshold
    objets: tuple[str, ...]  # templates: {commune} {college} {rd} {secteur} {batiment} {logiciel} {lot} {annee} {annee1}


def _e(code, label, direction, kind, ccag, low, high, weight, invest, framework, social, env,
       sector, objets, specific=False) -> CpvEntry:
    return CpvEntry(code, label, direction, kind, ccag, low, high, weight, invest, framework,
                    social, env, sector, specific, tuple(objets))


CPV_CATALOG: tuple[CpvEntry, ...] = (
    # Voirie: works and winter service; environmental clauses are common (recycled materials).
    _e("45233140", "Travaux routiers", VOIRIE, "T", CCAG_TRAVAUX, 30e3, 2.5e6, 6, .95, .5, 1.4, 1.4,
       "routes", ["Travaux de renforcement de chaussée de la RD {rd} à {commune}",
                  "Accord-cadre de travaux routiers - secteur {secteur}",
                  "Aménagement de sécurité de la RD {rd} - traversée de {commune}"]),
    _e("45233141", "Travaux d'entretien des routes", VOIRIE, "T", CCAG_TRAVAUX, 20e3, 1.2e6, 5, .9, .7,
       1.3, 1.4, "routes", ["Entretien des routes départementales - secteur {secteur}",
                            "Travaux d'entretien courant des chaussées - secteur {secteur}"]),
    _e("45233220", "Travaux de revêtement de routes", VOIRIE, "T", CCAG_TRAVAUX, 50e3, 1.5e6, 3, .95,
       .5, 1.2, 1.5, "routes", ["Enduits superficiels d'usure sur routes départementales - campagne {annee}",
                                "Réfection du revêtement de la RD {rd}"]),
    _e("45221119", "Travaux de rénovation de ponts", VOIRIE, "T", CCAG_TRAVAUX, 80e3, 3e6, 1, 1, .1,
       1.3, 1.3, "routes", ["Réhabilitation de l'ouvrage d'art de la RD {rd} à {commune}"]),
    _e("45233221", "Travaux de peinture de signalisation routière", VOIRIE, "T", CCAG_TRAVAUX, 20e3,
       4e5, 2, .8, .8, 1.1, 1.2, "routes", ["Marquage routier sur le réseau départemental - secteur {secteur}"]),
    _e("34927100", "Sel de déneigement", VOIRIE, "F", CCAG_FCS, 50e3, 6e5, 1.5, 0, .95, .4, .8,
       "fournitures", ["Fourniture de sel de déneigement - viabilité hivernale {annee}-{annee1}"]),
    _e("34928470", "Signalisation", VOIRIE, "F", CCAG_FCS, 10e3, 3e5, 2, .7, .8, .6, 1.0, "routes",
       ["Fourniture de panneaux de signalisation verticale",
        "Fourniture de signalisation temporaire de chantier"]),
    _e("90620000", "Services de déneigement", VOIRIE, "S", CCAG_FCS, 10e3, 2.5e5, 1, 0, .7, 1.0, .9,
       "routes", ["Prestations de déneigement - secteur {secteur}"]),
    _e("34144000", "Véhicules à moteur à usage spécial", VOIRIE, "F", CCAG_MI, 8e4, 1.2e6, .6, 1, .3,
       .5, 1.3, "fournitures", ["Acquisition de camions équipés de saleuses pour la viabilité hivernale"]),
    # Collèges: food (EGalim pushes local and organic), cleaning (insertion clauses), furniture.
    _e("15110000", "Viande", COLLEGES_DIR, "F", CCAG_FCS, 1e4, 3e5, 2, 0, .9, .8, 1.4, "alimentation",
       ["Fourniture de viande fraîche pour les collèges - secteur {secteur}"]),
    _e("15500000", "Produits laitiers", COLLEGES_DIR, "F", CCAG_FCS, 5e3, 2e5, 1.5, 0, .9, .8, 1.4,
       "alimentation", ["Fourniture de produits laitiers bio et locaux pour les collèges"]),
    _e("15300000", "Fruits, légumes et produits connexes", COLLEGES_DIR, "F", CCAG_FCS, 5e3, 2.5e5, 2,
       0, .9, .9, 1.4, "alimentation", ["Fourniture de fruits et légumes frais pour les collèges - secteur {secteur}"]),
    _e("15811000", "Produits de boulangerie", COLLEGES_DIR, "F", CCAG_FCS, 3e3, 8e4, 1.5, 0, .8, .8,
       1.2, "alimentation", ["Fourniture de pain pour le {college}"]),
    _e("55523100", "Services de restauration scolaire", COLLEGES_DIR, "S", CCAG_FCS, 5e4, 1.5e6, 1.2,
       0, .3, 1.3, 1.4, "alimentation", ["Restauration scolaire du {college}"], specific=True),
    _e("90910000", "Services de nettoyage", COLLEGES_DIR, "S", CCAG_FCS, 1e4, 8e5, 3, 0, .6, 1.9, 1.1,
       "proprete", ["Nettoyage des locaux du {college}",
                    "Nettoyage des bâtiments départementaux - secteur {secteur}"]),
    _e("39160000", "Mobilier scolaire", COLLEGES_DIR, "F", CCAG_FCS, 5e3, 4e5, 2, .9, .6, .8, 1.2,
       "fournitures", ["Fourniture de mobilier scolaire pour le {college}",
                       "Renouvellement du mobilier des salles de classe - {college}"]),
    _e("39830000", "Produits de nettoyage", COLLEGES_DIR, "F", CCAG_FCS, 5e3, 1.5e5, 1.5, 0, .9, .8,
       1.4, "proprete", ["Fourniture de produits d'entretien écolabellisés pour les collèges"]),
    _e("39221000", "Équipement de cuisine", COLLEGES_DIR, "F", CCAG_FCS, 5e3, 2.5e5, 1, .9, .4, .6, 1.0,
       "fournitures", ["Équipement de la cuisine du {college}"]),
    # Numérique.
    _e("30200000", "Matériel et fournitures informatiques", NUMERIQUE, "F", CCAG_TIC, 1e4, 1.5e6, 3,
       .85, .8, .5, .9, "numerique", ["Acquisition de matériel informatique pour les collèges",
                                      "Fourniture de matériel informatique et périphériques"]),
    _e("30213000", "Ordinateurs personnels", NUMERIQUE, "F", CCAG_TIC, 1e4, 8e5, 1.5, .9, .8, .5, 1.0,
       "numerique", ["Fourniture d'ordinateurs pour les services départementaux"]),
    _e("30213100", "Ordinateurs portables", NUMERIQUE, "F", CCAG_TIC, 2e4, 1.2e6, 1.2, .9, .7, .5, 1.0,
       "numerique", ["Acquisition d'ordinateurs portables pour les collégiens - plan numérique {annee}"]),
    _e("48000000", "Logiciels et systèmes d'information", NUMERIQUE, "F", CCAG_TIC, 5e3, 9e5, 2, .6,
       .4, .4, .6, "numerique", ["Acquisition et maintenance du logiciel de {logiciel}"]),
    _e("72000000", "Services de technologies de l'information, conseil, développement de logiciels, "
       "internet et appui", NUMERIQUE, "S", CCAG_TIC, 1e4, 1.2e6, 2, .3, .6, .5, .6, "numerique",
       ["Tierce maintenance applicative du système de {logiciel}",
        "Prestations d'assistance et de développement informatique"]),
    _e("72260000", "Services relatifs aux logiciels", NUMERIQUE, "S", CCAG_TIC, 5e3, 3e5, 1.5, .2, .5,
       .4, .6, "numerique", ["Maintenance et support du logiciel de {logiciel}"]),
    _e("32250000", "Téléphones mobiles", NUMERIQUE, "F", CCAG_TIC, 5e3, 2e5, 1, .6, .8, .5, 1.1,
       "numerique", ["Fourniture de téléphones mobiles et accessoires"]),
    _e("64200000", "Services de télécommunications", NUMERIQUE, "S", CCAG_TIC, 2e4, 9e5, 1, 0, .8, .5,
       .8, "numerique", ["Services de télécommunications - téléphonie fixe et accès internet",
                         "Services de téléphonie mobile"]),
    # Bâtiments: construction and energy renovation of collèges and departmental buildings.
    _e("45210000", "Travaux de construction de bâtiments", BATIMENTS_DIR, "T", CCAG_TRAVAUX, 1e5, 8e6,
       2, 1, .1, 1.5, 1.4, "batiment", ["Construction d'un centre d'exploitation routier à {commune}",
                                        "Extension du {college}"]),
    _e("45214200", "Travaux de construction de bâtiments scolaires", BATIMENTS_DIR, "T", CCAG_TRAVAUX,
       2e5, 1.2e7, 1, 1, 0, 1.6, 1.5, "batiment", ["Reconstruction du {college} - lot {lot}"]),
    _e("45331000", "Travaux d'installation de chauffage, de ventilation et de climatisation",
       BATIMENTS_DIR, "T", CCAG_TRAVAUX, 2e4, 1.5e6, 2, 1, .2, 1.2, 1.6, "batiment",
       ["Remplacement de la chaufferie du {college}",
        "Installation d'une ventilation double flux - {batiment}"]),
    _e("45261000", "Travaux de charpente et de couverture et travaux connexes", BATIMENTS_DIR, "T",
       CCAG_TRAVAUX, 2e4, 9e5, 1.5, 1, .2, 1.2, 1.3, "batiment", ["Réfection de la toiture du {college}"]),
    _e("45321000", "Travaux d'isolation thermique", BATIMENTS_DIR, "T", CCAG_TRAVAUX, 2e4, 1.5e6, 1.5,
       1, .1, 1.2, 1.7, "batiment", ["Isolation thermique par l'extérieur du {college}"]),
    _e("45453000", "Travaux de remise en état et de remise à neuf", BATIMENTS_DIR, "T", CCAG_TRAVAUX,
       1e4, 8e5, 2, 1, .4, 1.2, 1.2, "batiment", ["Travaux de rénovation - {batiment}",
                                                  "Travaux de mise en accessibilité du {college}"]),
    _e("71000000", "Services d'architecture, services de construction, services d'ingénierie et "
       "services d'inspection", BATIMENTS_DIR, "S", CCAG_MOE, 5e3, 9e5, 2, .9, .3, .6, 1.2, "ingenierie",
       ["Mission de maîtrise d'œuvre pour la rénovation énergétique du {college}",
        "Contrôle technique et coordination SPS - {batiment}"]),
    _e("71221000", "Services d'architecte pour les bâtiments", BATIMENTS_DIR, "S", CCAG_MOE, 2e4, 1.5e6,
       .8, 1, 0, .6, 1.3, "ingenierie", ["Maîtrise d'œuvre pour la reconstruction du {college}"]),
    _e("50700000", "Services de réparation et d'entretien des installations de bâtiments",
       BATIMENTS_DIR, "S", CCAG_FCS, 1e4, 6e5, 2, .1, .8, 1.0, 1.3, "batiment",
       ["Maintenance des installations de chauffage des bâtiments départementaux - secteur {secteur}"]),
    _e("09310000", "Électricité", BATIMENTS_DIR, "F", CCAG_FCS, 1e5, 5e6, .5, 0, .9, .4, 1.3, "energie",
       ["Fourniture d'électricité pour les bâtiments départementaux - {annee}"]),
    _e("79713000", "Services de gardiennage", MOYENS, "S", CCAG_FCS, 1e4, 4e5, 1, 0, .5, 1.4, .7,
       "services", ["Gardiennage et surveillance - {batiment}"]),
    # Solidarités: social services fall under the 750 k€ specific-services threshold.
    _e("85310000", "Services d'action sociale", INSERTION, "S", CCAG_FCS, 1e4, 2e6, 2, 0, .3, 1.5, .4,
       "social", ["Accompagnement social des bénéficiaires du RSA - territoire {secteur}",
                  "Mesures d'accompagnement social personnalisé - secteur {secteur}"], specific=True),
    _e("85311200", "Services d'action sociale pour personnes handicapées", AUTONOMIE, "S", CCAG_FCS,
       1e4, 1e6, 1.5, 0, .3, 1.5, .4, "social",
       ["Accompagnement des personnes en situation de handicap vers l'emploi"], specific=True),
    _e("85320000", "Services sociaux", AUTONOMIE, "S", CCAG_FCS, 1e4, 8e5, 1, 0, .3, 1.4, .4, "social",
       ["Évaluation des situations de perte d'autonomie à domicile - secteur {secteur}"], specific=True),
    _e("98341000", "Services d'hébergement", ENFANCE, "S", CCAG_FCS, 2e4, 2e6, 1.5, 0, .5, 1.2, .4,
       "social", ["Mise à l'abri et hébergement de mineurs non accompagnés",
                  "Hébergement de jeunes majeurs - {commune}"], specific=True),
    _e("80500000", "Services de formation", RH, "S", CCAG_FCS, 2e3, 3e5, 1.5, 0, .6, .9, .5, "services",
       ["Formation des agents à la conduite d'engins",
        "Actions de formation pour les bénéficiaires du RSA - {secteur}"], specific=True),
    # Environnement.
    _e("77310000", "Services de plantation et d'entretien d'espaces verts", ENVIRONNEMENT, "S", CCAG_FCS,
       5e3, 4e5, 2, 0, .6, 1.8, 1.6, "environnement",
       ["Entretien des espaces naturels sensibles - secteur {secteur}",
        "Fauchage et débroussaillage des dépendances routières - secteur {secteur}"]),
    _e("90500000", "Services liés aux déchets et aux ordures", ENVIRONNEMENT, "S", CCAG_FCS, 1e4, 7e5, 1,
       0, .7, 1.3, 1.6, "environnement", ["Collecte et traitement des déchets des sites départementaux"]),
    _e("90700000", "Services relatifs à l'environnement", ENVIRONNEMENT, "S", CCAG_FCS, 5e3, 3e5, 1, 0,
       .3, .8, 1.5, "environnement", ["Suivi écologique des espaces naturels sensibles - {commune}"]),
    _e("71313000", "Services de conseil en ingénierie de l'environnement", ENVIRONNEMENT, "S", CCAG_PI,
       5e3, 2e5, 1, 0, .2, .6, 1.5, "ingenierie",
       ["Étude de vulnérabilité climatique du patrimoine départemental",
        "Bilan des émissions de gaz à effet de serre du Département"]),
    # Mobilité: school transport of disabled pupils stays with the département.
    _e("60130000", "Services spécialisés de transport routier de passagers", MOBILITE, "S", CCAG_FCS,
       2e4, 3e6, 3, 0, .6, 1.2, 1.2, "transport",
       ["Transport des élèves en situation de handicap - secteur {secteur}"]),
    _e("60140000", "Transport non régulier de passagers", MOBILITE, "S", CCAG_FCS, 5e3, 2e5, 1, 0, .8,
       .8, 1.0, "transport", ["Transports occasionnels des collégiens pour les sorties pédagogiques"]),
    _e("34144900", "Véhicules électriques", MOBILITE, "F", CCAG_FCS, 2e4, 8e5, 1, 1, .5, .5, 1.6,
       "fournitures", ["Acquisition de véhicules électriques pour le parc départemental"]),
    _e("50110000", "Services de réparation et d'entretien de véhicules à moteur et d'équipements "
       "connexes", MOBILITE, "S", CCAG_FCS, 1e4, 4e5, 1, 0, .9, .8, 1.0, "services",
       ["Entretien et réparation des véhicules légers du parc départemental"]),
    _e("09100000", "Combustibles", MOBILITE, "F", CCAG_FCS, 5e4, 2e6, .5, 0, .95, .3, .8, "energie",
       ["Fourniture de carburants pour le parc départemental"]),
    # Culture.
    _e("92312000", "Services artistiques", CULTURE, "S", CCAG_FCS, 2e3, 8e4, 1, 0, 0, .8, .5, "culture",
       ["Programmation artistique de la saison culturelle {annee}"], specific=True),
    _e("79952000", "Services d'organisation d'événements", CULTURE, "S", CCAG_FCS, 5e3, 3e5, 1, 0, .3,
       1.0, 1.2, "culture", ["Organisation de la fête départementale {annee}"]),
    _e("22113000", "Livres de bibliothèque", CULTURE, "F", CCAG_FCS, 5e3, 3e5, 1, .5, .9, .8, .7,
       "culture", ["Fourniture de livres pour la médiathèque départementale - secteur {secteur}"]),
    _e("92521000", "Services de musées", CULTURE, "S", CCAG_PI, 1e4, 3e5, .5, .3, .1, .7, 1.0, "culture",
       ["Conception scénographique de l'exposition du Musée départemental"]),
    # Moyens généraux, communication, affaires juridiques.
    _e("30192000", "Fournitures de bureau", MOYENS, "F", CCAG_FCS, 5e3, 2e5, 1.5, 0, .95, 1.0, 1.3,
       "fournitures", ["Fourniture de papeterie et fournitures de bureau"]),
    _e("79800000", "Services d'impression et services connexes", COMMUNICATION, "S", CCAG_FCS, 5e3,
       3e5, 1.5, 0, .8, 1.6, 1.3, "services", ["Impression du magazine départemental",
                                               "Impression de documents et supports de communication"]),
    _e("79341000", "Services de publicité", COMMUNICATION, "S", CCAG_PI, 5e3, 3e5, 1, 0, .4, .6, .6,
       "services", ["Campagne de communication {annee}"]),
    _e("66510000", "Services d'assurance", JURIDIQUE, "S", CCAG_FCS, 2e4, 1.5e6, .7, 0, 0, .3, .3,
       "services", ["Assurance flotte automobile", "Assurance dommages aux biens",
                    "Assurance responsabilité civile"]),
)

# Supplier pool: how many titulaires each sector holds (≈ 400 in all).
SUPPLIER_SECTORS: dict[str, int] = {
    "routes": 45, "batiment": 80, "alimentation": 40, "proprete": 25, "numerique": 45,
    "ingenierie": 40, "transport": 20, "social": 30, "fournitures": 30, "culture": 20,
    "environnement": 15, "services": 25, "energie": 5,
}
