"""SIRI-SX code lists: every value of the standard's condition and reason lists is placed in a canonical code
deliberately (none falls through to ``other`` by accident), and the values HAVAG's VDV 736 feed sends map as the
table in docs/formats/siri-vdv454-cloudevents.md says.

The value lists below are copied from the CEN schema (github.com/SIRI-CEN/SIRI): ServiceConditionEnumeration and
AlertCauseEnumeration from branch 2.1, the four reason lists of SIRI 2.0 from branch 2.0q
(hub/formats/siri/codes.py says which commits).
"""

from __future__ import annotations

import pytest

from hub.formats.siri import SiriSxFormat
from hub.formats.siri.codes import CAUSES, EFFECTS, TPEG_REASONS
from hub.schemas import TransitDisruption, unwrap
from tests.unit.formats.test_siri_sx import delivery, situation

SERVICE_CONDITIONS = """
unknown delay minorDelays majorDelays operationTimeExtension onTime disturbanceRectified changeOfPlatform
lineCancellation tripCancellation boarding goToGate stopCancelled stopMoved stopOnDemand additionalStop
substitutedStop diverted disruption limitedOperation discontinuedOperation irregularTraffic wagonOrderChanged
trainShortened additionalRide replacementRide temporarilyNonStopping temporaryStopplace undefinedStatus altered
cancelled delayed noService disrupted additionalService specialService normalService intermittentService
shortFormedService fullLengthService extendedService splittingTrain replacementTransport arrivesEarly
shuttleService replacementService undefinedServiceInformation
"""
ALERT_CAUSES = """
unknown securityAlert emergencyServicesCall policeActivity policeOrder fire cableFire smokeDetectedOnVehicle
fireAtStation fireRun fireBrigadeOrder explosion explosionHazard bombDisposal emergencyMedicalServices
emergencyBrake vandalism cableTheft signalPassedAtDanger stationOverrun passengersBlockingDoors
defectiveSecuritySystem overcrowded borderControl unattendedBag telephonedThreat suspectVehicle evacuation
terroristIncident publicDisturbance technicalProblem vehicleFailure serviceDisruption doorFailure
lightingFailure pointsProblem pointsFailure signalProblem signalFailure overheadWireFailure levelCrossingFailure
trafficManagementSystemFailure engineFailure breakDown repairWork constructionWork maintenanceWork powerProblem
trackCircuitProblem swingBridgeFailure escalatorFailure liftFailure gangwayProblem defectiveVehicle brokenRail
poorRailConditions deicingWork wheelProblem routeBlockage congestion heavyTraffic routeDiversion roadworks
unscheduledConstructionWork levelCrossingIncident sewerageMaintenance roadClosed roadwayDamage bridgeDamage
personOnTheLine objectOnTheLine vehicleOnTheLine animalOnTheLine fallenTreeOnTheLine vegetation
speedRestrictions precedingVehicle accident nearMiss personHitByVehicle vehicleStruckObject vehicleStruckAnimal
derailment collision levelCrossingAccident poorWeather fog heavySnowFall heavyRain strongWinds ice hail
highTemperatures flooding lowWaterLevel riskOfFlooding highWaterLevel fallenLeaves fallenTree landslide
riskOfLandslide driftingSnow blizzardConditions stormDamage lightningStrike roughSea highTide lowTide iceDrift
avalanches riskOfAvalanches flashFloods mudslide rockfalls subsidence earthquakeDamage grassFire wildlandFire
iceOnRailway iceOnCarriages specialEvent procession demonstration industrialAction staffSickness staffAbsence
operatorCeasedTrading previousDisturbances vehicleBlockingTrack foreignDisturbances awaitingShuttle
changeInCarriages trainCoupling boardingDelay awaitingApproach overtaking provisionDelay miscellaneous
undefinedAlertCause incident safetyViolation trainDoor altercation illVehicleOccupants serviceFailure
bombExplosion fireBrigadeSafetyChecks civilEmergency airRaid sabotage bombAlert attack gunfireOnRoadway
securityIncident linesideFire passengerAction staffAssault railwayCrime assault theft fatality personUnderTrain
personHitByTrain personIllOnVehicle emergencyServices insufficientDemand leaderBoardFailure
serviceIndicatorFailure operatorSuspended problemsAtBorderPost problemsAtCustomsPost levelCrossingIncident
trainStruckAnimal trainStruckObject roadMaintenance asphalting paving march filterBlockade
sightseersObstructingAccess holiday bridgeStrike viaductFailure overheadObstruction undefinedProblem
logisticProblems problemsOnLocalRoad undefinedProblem staffInjury contractorStaffInjury staffInWrongPlace
staffShortage unofficialIndustrialAction workToRule undefinedPersonnelProblem trainWarningSystemProblem
signalAndSwitchFailure tractionFailure defectiveTrain wheelImpactLoad lackOfOperationalStock
defectiveFireAlarmEquipment defectivePlatformEdgeDoors defectiveCctv defectivePublicAnnouncementSystem
ticketingSystemNotAvailable emergencyEngineeringWork lateFinishToEngineeringWork fuelProblem
closedForMaintenance fuelShortage slipperyTrack luggageCarouselProblem undefinedEquipmentProblem stormConditions
tidalRestrictions slipperiness glazedFrost frozen sleet waterlogged sewerOverflow undefinedEnvironmentalProblem
fireAtTheStation breakdown levelCrossingBlocked heavySnowfall waitingForTransferPassengers
awaitingOncomingVehicle
"""
MISCELLANEOUS_REASONS = """
unknown previousDisturbances incident nearMiss safetyViolation signalPassedAtDanger stationOverrun trainDoor
emergencyServicesCall bombExplosion securityAlert policeRequest fireBrigadeSafetyChecks unattendedBag
telephonedThreat suspectVehicle civilEmergency airRaid sabotage bombAlert attack evacuation terroristIncident
gunfireOnRoadway explosion explosionHazard securityIncident fireBrigadeOrder policeActivity fire linesideFire
vandalism passengerAction staffAssault railwayCrime assault theft altercation illVehicleOccupants accident
fatality personUnderTrain personHitByTrain personIllOnVehicle emergencyServices collision overcrowded
insufficientDemand lightingFailure leaderBoardFailure serviceIndicatorFailure serviceFailure
operatorCeasedTrading operatorSuspended congestion routeBlockage personOnTheLine vehicleOnTheLine
levelCrossingIncident objectOnTheLine fallenTreeOnTheLine vegetation trainStruckAnimal trainStruckObject
animalOnTheLine routeDiversion roadClosed roadworks sewerageMaintenance roadMaintenance asphalting paving
specialEvent march procession demonstration publicDisturbance filterBlockade sightseersObstructingAccess holiday
bridgeStrike viaductFailure overheadObstruction undefinedProblem problemsAtBorderPost problemsAtCustomsPost
speedRestrictions logisticProblems problemsOnLocalRoad
"""
PERSONNEL_REASONS = """
unknown staffSickness staffInjury contractorStaffInjury staffAbsence staffInWrongPlace staffShortage
industrialAction unofficialIndustrialAction workToRule undefinedPersonnelProblem
"""
EQUIPMENT_REASONS = """
unknown pointsProblem pointsFailure signalProblem trainWarningSystemProblem trackCircuitProblem signalFailure
signalAndSwitchFailure derailment engineFailure tractionFailure defectiveTrain breakDown technicalProblem
brokenRail poorRailConditions wheelImpactLoad lackOfOperationalStock defectiveFireAlarmEquipment
defectivePlatformEdgeDoors defectiveCctv defectivePublicAnnouncementSystem ticketingSystemNotAvailable
levelCrossingFailure trafficManagementSystemFailure repairWork constructionWork maintenanceWork
emergencyEngineeringWork lateFinishToEngineeringWork powerProblem overheadWireFailure fuelProblem
swingBridgeFailure escalatorFailure liftFailure gangwayProblem closedForMaintenance fuelShortage deicingWork
wheelProblem slipperyTrack luggageCarouselProblem undefinedEquipmentProblem
"""
ENVIRONMENT_REASONS = """
unknown fog roughSea heavySnowFall driftingSnow blizzardConditions heavyRain strongWinds stormConditions
stormDamage tidalRestrictions highTide lowTide ice slipperiness iceDrift glazedFrost frozen hail sleet
highTemperatures flooding flashFloods waterlogged lowWaterLevel highWaterLevel fallenLeaves fallenTree landslide
mudslide rockfalls subsidence earthquakeDamage undefinedEnvironmentalProblem lightningStrike sewerOverflow
grassFire
"""


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("value", words(SERVICE_CONDITIONS))
def test_every_service_condition_of_the_standard_is_in_the_table(value: str) -> None:
    """No ServiceCondition of SIRI 2.1 (VDV 736's additions included) is left to the ``other`` fallback."""
    assert value.lower() in EFFECTS


@pytest.mark.parametrize(
    "value",
    words(ALERT_CAUSES)
    + words(MISCELLANEOUS_REASONS)
    + words(PERSONNEL_REASONS)
    + words(EQUIPMENT_REASONS)
    + words(ENVIRONMENT_REASONS),
)
def test_every_reason_of_the_standard_is_in_the_table(value: str) -> None:
    """No reason value of SIRI 2.0's four lists or 2.1's AlertCause is left to a fallback."""
    assert value.lower() in CAUSES


def test_every_tpeg_reason_code_names_a_value_of_the_table() -> None:
    """The TPEG codes (pti19_* to pti22_*) of SIRI 2.0 each stand for a listed value."""
    assert len(TPEG_REASONS) == 181
    assert {name for name in TPEG_REASONS.values() if name not in CAUSES} == set()


def mapped(**changes: str) -> TransitDisruption:
    [record] = SiriSxFormat().split(delivery(situation(**changes)))
    payload = unwrap(SiriSxFormat().to_canonical(record.value)[0].event)
    assert isinstance(payload, TransitDisruption)
    return payload


@pytest.mark.parametrize(
    ("condition", "effect"),
    [
        ("delay", "significant_delays"),
        ("majorDelays", "significant_delays"),
        ("minorDelays", "significant_delays"),
        ("disruption", "reduced_service"),
        ("disturbanceRectified", "no_effect"),
        ("lineCancellation", "no_service"),
        ("tripCancellation", "no_service"),
        ("changeOfPlatform", "stop_moved"),
        ("replacementRide", "modified_service"),
        ("additionalRide", "additional_service"),
        ("undefinedStatus", "unknown"),
        (" Delay ", "significant_delays"),  # case and padding as servers send them
        ("somethingElse", "other"),  # not in the standard: still other, and the summary says what it is
    ],
)
def test_vdv_736_conditions_map_to_the_canonical_effect(condition: str, effect: str) -> None:
    """The conditions the issue found unmapped reach their effect through split and to_canonical."""
    assert mapped(Condition=condition).effect == effect


@pytest.mark.parametrize(
    ("element", "value", "cause"),
    [
        ("AlertCause", "staffSickness", "other"),
        ("AlertCause", "industrialAction", "strike"),
        ("AlertCause", "fatality", "accident"),
        ("AlertCause", "overheadWireFailure", "technical_problem"),
        ("AlertCause", "holiday", "holiday"),
        ("AlertCause", "undefinedAlertCause", "unknown"),
        ("MiscellaneousReason", "pti19_6", "accident"),  # the TPEG code of "accident"
        ("MiscellaneousReason", "pti19_24_Alias_3", "demonstration"),
        ("PersonnelReason", "pti20_5", "strike"),
        ("EquipmentReason", "signalAndSwitchFailure", "technical_problem"),
        ("EquipmentReason", "notInTheStandard", "technical_problem"),  # the element names the group
        ("EnvironmentReason", "pti22_9_Alias_3", "weather"),  # glazedFrost
        ("EnvironmentReason", "mudslide", "weather"),
    ],
)
def test_reasons_and_their_tpeg_codes_map_to_the_canonical_cause(element: str, value: str, cause: str) -> None:
    """SIRI 2.1's AlertCause and SIRI 1.x/2.0's four reason elements, by name or by TPEG code."""
    changes = {"AlertCause": ""}
    body = situation(**changes).replace("<Severity>severe", f"<{element}>{value}</{element}><Severity>severe", 1)
    [record] = SiriSxFormat().split(delivery(body))
    payload = unwrap(SiriSxFormat().to_canonical(record.value)[0].event)
    assert isinstance(payload, TransitDisruption)
    assert payload.cause == cause
