"""SIRI formats: SIRI-SX situations and SIRI-VM vehicle activities, from SIRI 1.x or 2.x, bare or in SOAP.

``delivery`` cuts documents into data elements, ``values`` parses SIRI's value types, ``sx`` and ``vm`` map one
element each to the canonical model.
"""

from hub.formats.siri.sx import SiriSxFormat
from hub.formats.siri.values import parse_datetime, parse_duration
from hub.formats.siri.vm import SiriVmFormat

__all__ = ["SiriSxFormat", "SiriVmFormat", "parse_datetime", "parse_duration"]
