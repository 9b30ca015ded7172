"""SIRI-SX code lists to the canonical ones: every ``ServiceCondition`` and every reason value of SIRI 2.x and of
VDV 736 (the German SX profile, whose values VDV contributed to SIRI 2.0), each placed deliberately.

Sources, read from the CEN standard's schema (github.com/SIRI-CEN/SIRI):

- ``ServiceConditionEnumeration``: xsd/siri_model/siri_situationClassifiers.xsd, branch 2.1 (commit 87fe020e);
  the values from ``delay`` to ``undefinedStatus`` are VDV 736's additions.
- ``MiscellaneousReasonEnumeration``, ``PersonnelReasonEnumeration``, ``EquipmentReasonEnumeration``,
  ``EnvironmentReasonEnumeration`` with their TPEG codes (``pti19_*`` to ``pti22_*``):
  xsd/siri_model/siri_situationReasons-v2.0.xsd, branch 2.0q (commit a1d40a09).
- ``AlertCauseEnumeration`` (SIRI 2.1 and later, one list for all four): xsd/siri_model/siri_situationReasons.xsd.

The canonical lists are GTFS-Realtime's (``hub.schemas.transit``); where SIRI is finer, several values share one
canonical code, and values with no counterpart (a fire, an animal on the line) are ``other`` on purpose: the
canonical model keeps GTFS-RT's list so that both sources compare, and the summary text says the rest.
docs/formats/siri-vdv454-cloudevents.md prints these tables for integrators; change both together.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from hub.formats.siri.values import code_table
from hub.schemas import DisruptionCause, DisruptionEffect

__all__ = ["CAUSES", "CAUSE_BY_ELEMENT", "EFFECTS", "TPEG_REASONS"]


def _words(text: str) -> list[str]:
    """The whitespace-separated words of ``text``: long code lists stay readable as text."""
    return text.split()


#: Reason values (SIRI 1.x/2.0 ``*Reason`` elements, SIRI 2.1 ``AlertCause``) in lower case.
CAUSES: Final[Mapping[str, DisruptionCause]] = code_table(
    {
        "accident": (
            "accident",
            "collision",
            "derailment",
            "fatality",
            "personundertrain",
            "personhitbytrain",
            "personhitbyvehicle",
            "levelcrossingaccident",
            "levelcrossingincident",
            "vehiclestruckobject",
            "vehiclestruckanimal",
            "trainstruckobject",
            "trainstruckanimal",
            "bridgestrike",
        ),
        "police_activity": (
            "policeactivity",
            "policerequest",
            "policeorder",
            "securityalert",
            "securityincident",
            "bombexplosion",
            "bombalert",
            "bombdisposal",
            "terroristincident",
            "attack",
            "sabotage",
            "gunfireonroadway",
            "explosion",
            "explosionhazard",
            "telephonedthreat",
            "suspectvehicle",
            "vandalism",
            "unattendedbag",
            "unauthorisedaccess",
            "trespass",
            "assault",
            "staffassault",
            "altercation",
            "publicdisturbance",
            "railwaycrime",
            "theft",
            "cabletheft",
            "bordercontrol",
        ),
        "medical_emergency": (
            "illvehicleoccupants",
            "personillonvehicle",
            "medicalemergency",
            "sickpassenger",
            "emergencymedicalservices",
            "emergencyservices",
        ),
        "demonstration": ("demonstration", "procession", "march", "filterblockade"),
        "holiday": ("holiday",),
        "strike": ("industrialaction", "strike", "worktorule", "unofficialindustrialaction"),
        "construction": (
            "constructionwork",
            "unscheduledconstructionwork",
            "roadworks",
            "roadmaintenance",
            "asphalting",
            "paving",
            "seweragemaintenance",
        ),
        "maintenance": (
            "maintenancework",
            "repairwork",
            "closedformaintenance",
            "emergencyengineeringwork",
            "latefinishtoengineeringwork",
            "deicingwork",
        ),
        "technical_problem": (
            "technicalproblem",
            "vehiclefailure",
            "defectivevehicle",
            "defectivetrain",
            "enginefailure",
            "tractionfailure",
            "breakdown",
            "doorfailure",
            "traindoor",
            "wheelproblem",
            "wheelimpactload",
            "signalproblem",
            "signalfailure",
            "signalandswitchfailure",
            "trainwarningsystemproblem",
            "pointsproblem",
            "pointsfailure",
            "trackcircuit",
            "trackcircuitproblem",
            "brokenrail",
            "poorrailconditions",
            "slipperytrack",
            "powerproblem",
            "overheadwirefailure",
            "fuelproblem",
            "fuelshortage",
            "swingbridgefailure",
            "viaductfailure",
            "escalatorfailure",
            "liftfailure",
            "gangwayproblem",
            "lightingfailure",
            "leaderboardfailure",
            "departureboardfailure",
            "serviceindicatorfailure",
            "levelcrossingfailure",
            "trafficmanagementsystemfailure",
            "defectivesecuritysystem",
            "defectivefirealarmequipment",
            "defectiveplatformedgedoors",
            "defectivecctv",
            "defectivepublicannouncementsystem",
            "ticketingsystemnotavailable",
            "luggagecarouselproblem",
            "lackofoperationalstock",
            "undefinedequipmentproblem",
        ),
        # Weather and every other environmental cause: GTFS-RT's WEATHER is its only environmental cause.
        "weather": (
            "poorweather",
            "fog",
            "roughsea",
            "heavysnowfall",
            "driftingsnow",
            "blizzardconditions",
            "avalanches",
            "riskofavalanches",
            "heavyrain",
            "strongwinds",
            "stormconditions",
            "stormdamage",
            "tidalrestrictions",
            "hightide",
            "lowtide",
            "ice",
            "iceonrailway",
            "iceoncarriages",
            "slipperiness",
            "icedrift",
            "glazedfrost",
            "frozen",
            "hail",
            "sleet",
            "hightemperatures",
            "flooding",
            "riskofflooding",
            "flashfloods",
            "waterlogged",
            "lowwaterlevel",
            "highwaterlevel",
            "fallenleaves",
            "fallentree",
            "landslide",
            "riskoflandslide",
            "mudslide",
            "rockfalls",
            "subsidence",
            "earthquakedamage",
            "lightningstrike",
            "seweroverflow",
            "grassfire",
            "wildlandfire",
            "undefinedenvironmentalproblem",
        ),
        # No canonical counterpart: fires, obstructions, operations and staff. Listed so none is an accident.
        "other": (
            "fire",
            "cablefire",
            "linesidefire",
            "smokedetectedonvehicle",
            "fireatstation",
            "fireatthestation",
            "firerun",
            "firebrigadeorder",
            "firebrigadesafetychecks",
            "emergencyservicescall",
            "emergencybrake",
            "evacuation",
            "civilemergency",
            "airraid",
            "incident",
            "nearmiss",
            "safetyviolation",
            "signalpassedatdanger",
            "stationoverrun",
            "passengersblockingdoors",
            "passengeraction",
            "overcrowded",
            "insufficientdemand",
            "servicefailure",
            "servicedisruption",
            "operatorceasedtrading",
            "operatorsuspended",
            "congestion",
            "heavytraffic",
            "routeblockage",
            "routediversion",
            "roadclosed",
            "roadwaydamage",
            "bridgedamage",
            "personontheline",
            "objectontheline",
            "vehicleontheline",
            "animalontheline",
            "fallentreeontheline",
            "vegetation",
            "levelcrossingblocked",
            "vehicleblockingtrack",
            "overheadobstruction",
            "speedrestrictions",
            "precedingvehicle",
            "previousdisturbances",
            "foreigndisturbances",
            "awaitingshuttle",
            "awaitingapproach",
            "awaitingoncomingvehicle",
            "waitingfortransferpassengers",
            "changeincarriages",
            "traincoupling",
            "boardingdelay",
            "overtaking",
            "provisiondelay",
            "specialevent",
            "sightseersobstructingaccess",
            "problemsatborderpost",
            "problemsatcustomspost",
            "logisticproblems",
            "problemsonlocalroad",
            "miscellaneous",
            "staffsickness",
            "staffinjury",
            "contractorstaffinjury",
            "staffabsence",
            "staffinwrongplace",
            "staffshortage",
            "undefinedpersonnelproblem",
        ),
        "unknown": ("unknown", "undefined", "undefinedalertcause", "undefinedproblem"),
    }
)

#: When the value is in no list, the SIRI 1.x/2.0 element still says the group.
CAUSE_BY_ELEMENT: Final[Mapping[str, DisruptionCause]] = MappingProxyType(
    {
        "EnvironmentReason": "weather",
        "EquipmentReason": "technical_problem",
        "PersonnelReason": "other",
        "MiscellaneousReason": "other",
        "AlertCause": "other",
        "UnknownReason": "unknown",
        "UndefinedReason": "unknown",
    }
)

#: SIRI 2.0's reason lists give every value with its TPEG code; senders may send either (``pti19_6`` is
#: ``accident``). Pairs as the 2.0 schema lists them.
_TPEG_PAIRS: Final = """
    pti19_0=unknown pti19_0_1=previousDisturbances pti19_1=incident pti19_1_Alias_1=nearMiss
    pti19_1_Alias_2=safetyViolation pti19_1_Alias_3=signalPassedAtDanger pti19_1_Alias_4=stationOverrun
    pti19_1_Alias_5=trainDoor pti19_1_Alias_6=emergencyServicesCall pti19_2=bombExplosion
    pti19_3=securityAlert pti19_3_Alias_1=policeRequest pti19_3_Alias_2=fireBrigadeSafetyChecks
    pti19_3_Alias_3=unattendedBag pti19_3_Alias_4=telephonedThreat pti19_3_Alias_5=suspectVehicle
    pti19_3_Alias_6=civilEmergency pti19_3_Alias_7=airRaid pti19_3_Alias_8=sabotage
    pti19_3_Alias_9=bombAlert pti19_3_Alias_10=attack pti19_3_Alias_11=evacuation
    pti19_3_Alias_12=terroristIncident pti19_3_Alias_13=gunfireOnRoadway pti19_3_Alias_14=explosion
    pti19_3_Alias_15=explosionHazard pti19_3_Alias_16=securityIncident pti19_3_Alias_17=fireBrigadeOrder
    pti19_3_Alias_18=policeActivity pti19_4=fire pti19_4_Alias_1=linesideFire pti19_5=vandalism
    pti19_5_Alias_1=passengerAction pti19_5_Alias_2=staffAssault pti19_5_Alias_3=railwayCrime
    pti19_5_Alias_4=assault pti19_5_Alias_5=theft pti19_1_Alias_7=altercation
    pti19_1_Alias_8=illVehicleOccupants pti19_6=accident pti19_6_Alias_1=fatality
    pti19_6_Alias_2=personUnderTrain pti19_6_Alias_3=personHitByTrain pti19_6_Alias_4=personIllOnVehicle
    pti19_6_Alias_5=emergencyServices pti19_6_Alias_6=collision pti19_7=overcrowded
    pti19_8=insufficientDemand pti19_9=lightingFailure pti19_10=leaderBoardFailure
    pti19_11=serviceIndicatorFailure pti19_12=serviceFailure pti19_13=operatorCeasedTrading
    pti19_14=operatorSuspended pti19_15=congestion pti19_16=routeBlockage pti19_17=personOnTheLine
    pti19_18=vehicleOnTheLine pti19_18_Alias_1=levelCrossingIncident pti19_19=objectOnTheLine
    pti19_19_Alias_1=fallenTreeOnTheLine pti19_19_Alias_2=vegetation pti19_19_Alias_3=trainStruckAnimal
    pti19_19_Alias_4=trainStruckObject pti19_20=animalOnTheLine pti19_21=routeDiversion pti19_22=roadClosed
    pti19_23=roadworks pti19_23_Alias_1=sewerageMaintenance pti19_23_Alias_2=roadMaintenance
    pti19_23_Alias_3=asphalting pti19_23_Alias_4=paving pti19_24=specialEvent pti19_24_Alias_1=march
    pti19_24_Alias_2=procession pti19_24_Alias_3=demonstration pti19_24_Alias_4=publicDisturbance
    pti19_24_Alias_5=filterBlockade pti19_24_Alias_6=sightseersObstructingAccess pti19_24_Alias_7=holiday
    pti19_25=bridgeStrike pti19_25_Alias_1=viaductFailure pti19_26=overheadObstruction
    pti19_255=undefinedProblem pti19_15_Alias_1=problemsAtBorderPost pti19_15_Alias_2=problemsAtCustomsPost
    pti19_15_Alias_3=speedRestrictions pti19_255_Alias_1=logisticProblems
    pti19_255_Alias_2=problemsOnLocalRoad pti20_0=unknown pti20_1=staffSickness pti20_1_Alias_1=staffInjury
    pti20_1_Alias_2=contractorStaffInjury pti20_2=staffAbsence pti20_3=staffInWrongPlace
    pti20_4=staffShortage pti20_5=industrialAction pti20_5_Alias_1=unofficialIndustrialAction
    pti20_6=workToRule pti20_255=undefinedPersonnelProblem pti21_0=unknown pti21_1=pointsProblem
    pti21_2=pointsFailure pti21_3=signalProblem pti21_3_Alias_1=trainWarningSystemProblem
    pti21_3_Alias_2=trackCircuitProblem pti21_4=signalFailure pti21_4_Alias_1=signalAndSwitchFailure
    pti21_5=derailment pti21_6=engineFailure pti21_6_Alias_1=tractionFailure pti21_6_Alias_2=defectiveTrain
    pti21_7=breakDown pti21_8=technicalProblem pti21_8_Alias_1=brokenRail pti21_8_Alias_2=poorRailConditions
    pti21_8_Alias_3=wheelImpactLoad pti21_8_Alias_4=lackOfOperationalStock
    pti21_8_Alias_5=defectiveFireAlarmEquipment pti21_8_Alias_6=defectivePlatformEdgeDoors
    pti21_8_Alias_7=defectiveCctv pti21_8_Alias_8=defectivePublicAnnouncementSystem
    pti21_8_Alias_9=ticketingSystemNotAvailable pti21_8_Alias_10=levelCrossingFailure
    pti21_8_Alias_11=trafficManagementSystemFailure pti21_9=repairWork pti21_10=constructionWork
    pti21_11=maintenanceWork pti21_11_Alias_1=emergencyEngineeringWork
    pti21_11_Alias_2=lateFinishToEngineeringWork pti21_12=powerProblem pti21_12_Alias_1=overheadWireFailure
    pti21_13=fuelProblem pti21_14=swingBridgeFailure pti21_15=escalatorFailure pti21_16=liftFailure
    pti21_17=gangwayProblem pti21_18=closedForMaintenance pti21_19=fuelShortage pti21_20=deicingWork
    pti21_21=wheelProblem pti21_21_Alias_1=slipperyTrack pti21_22=luggageCarouselProblem
    pti21_255=undefinedEquipmentProblem pti22_0=unknown pti22_1=fog pti22_2=roughSea pti22_3=heavySnowFall
    pti22_3_Alias_1=driftingSnow pti22_3_Alias_2=blizzardConditions pti22_4=heavyRain pti22_5=strongWinds
    pti22_5_Alias_1=stormConditions pti22_5_Alias_2=stormDamage pti22_6=tidalRestrictions pti22_7=highTide
    pti22_8=lowTide pti22_9=ice pti22_9_Alias_1=slipperiness pti22_9_Alias_2=iceDrift
    pti22_9_Alias_3=glazedFrost pti22_10=frozen pti22_11=hail pti22_11_Alias_1=sleet
    pti22_12=highTemperatures pti22_13=flooding pti22_13_Alias_1=flashFloods pti22_14=waterlogged
    pti22_15=lowWaterLevel pti22_16=highWaterLevel pti22_17=fallenLeaves pti22_18=fallenTree
    pti22_19=landslide pti22_19_Alias_1=mudslide pti22_19_Alias_2=rockfalls pti22_19_Alias_3=subsidence
    pti22_19_Alias_4=earthquakeDamage pti22_255=undefinedEnvironmentalProblem
    pti22_255_Alias_1=lightningStrike pti22_255_Alias_2=sewerOverflow pti22_255_Alias_3=grassFire
"""
TPEG_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {code.lower(): name.lower() for code, _, name in (pair.partition("=") for pair in _words(_TPEG_PAIRS))}
)

#: ``Consequence/Condition`` (ServiceConditionEnumeration) values in lower case.
EFFECTS: Final[Mapping[str, DisruptionEffect]] = code_table(
    {
        "no_service": (
            "cancelled",
            "noservice",
            "linecancellation",
            "tripcancellation",
            "stopcancelled",
            "discontinuedoperation",
        ),
        "reduced_service": (
            "disruption",
            "disrupted",
            "irregulartraffic",
            "limitedoperation",
            "intermittentservice",
            "shortformedservice",
            "trainshortened",
            "reducedservice",
        ),
        # GTFS-RT has one delay effect; minor delays are delays a passenger should know of all the same.
        "significant_delays": ("delay", "delayed", "minordelays", "majordelays"),
        "detour": ("diverted",),
        "additional_service": (
            "additionalservice",
            "additionalride",
            "extendedservice",
            "operationtimeextension",
            "specialservice",
        ),
        "modified_service": (
            "altered",
            "replacementride",
            "replacementtransport",
            "replacementservice",
            "shuttleservice",
            "splittingtrain",
            "wagonorderchanged",
            "additionalstop",
            "stopondemand",
            "temporarilynonstopping",
            "arrivesearly",
        ),
        "stop_moved": ("stopmoved", "substitutedstop", "temporarystopplace", "changeofplatform"),
        # disturbanceRectified: the disruption is over; boarding and goToGate are departure notices.
        "no_effect": ("normalservice", "ontime", "fulllengthservice", "disturbancerectified", "boarding", "gotogate"),
        "unknown": ("unknown", "undefined", "undefinedstatus", "undefinedserviceinformation"),
    }
)
