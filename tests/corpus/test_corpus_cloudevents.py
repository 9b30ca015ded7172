"""Every file in ../shared/corpus/cloudevents/ is normalised or dead-lettered with a precise reason, as the table
says. Most of the folder is no CloudEvent in structured JSON mode at all (transcripts, YAML vectors, Gherkin, XML,
protobuf and Avro schemas): split refuses those whole. The JSON events are foreign types or broken on purpose, so
each becomes one record that to_canonical dead-letters with its reason. (The hub envelope's own view of the spec
examples is tested in tests/unit/schemas/test_schema_cloudevents_corpus.py.)

Table helpers come from ``test_corpus_siri``; every file goes through the cloudevents format's real functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.test_corpus_siri import Expect, check_file, corpus_files, dead_at_split, dead_records, ok

# Whole documents refused by split:
NOT_JSON = dead_at_split("cloudevents", "malformed_json", "not JSON: Expecting value")  # YAML, Gherkin, transcripts
XML_FORMAT = dead_at_split("cloudevents", "malformed_json", "not JSON: an XML document")
PROTOBUF_JSON = dead_at_split("cloudevents", "undecodable", "a CloudEvent in the protobuf JSON mapping")
AVRO_SCHEMA = dead_at_split("cloudevents", "malformed_json", "an Avro schema, not a CloudEvent")
JSON_SCHEMA = dead_at_split("cloudevents", "malformed_json", "a JSON Schema, not a CloudEvent")
# One event, dead-lettered by to_canonical:
CE_0_3 = dead_records("cloudevents", "unsupported", "specversion '0.3' is not supported", 1)
# The type is input: the reason does not repeat it (issue 12).
MOCK_TYPE = dead_records("cloudevents", "unsupported", "event type is not a hub canonical type", 1)
EXAMPLE_TYPE = MOCK_TYPE
INT32_RANGE = dead_records("cloudevents", "undecodable", "'long': integer out of the CloudEvents 32-bit range", 1)
BAD_BASE64 = dead_records("cloudevents", "undecodable", "data_base64 is not valid base64", 1)

EXPECTED: dict[str, Expect] = {
    "cesql-tck/binary_comparison_operators.yaml": NOT_JSON,
    "cesql-tck/binary_math_operators.yaml": NOT_JSON,
    "cesql-tck/case_sensitivity.yaml": NOT_JSON,
    "cesql-tck/casting_functions.yaml": NOT_JSON,
    "cesql-tck/context_attributes_access.yaml": NOT_JSON,
    "cesql-tck/exists_expression.yaml": NOT_JSON,
    "cesql-tck/in_expression.yaml": NOT_JSON,
    "cesql-tck/integer_builtin_functions.yaml": NOT_JSON,
    "cesql-tck/literals.yaml": NOT_JSON,
    "cesql-tck/negate_operator.yaml": NOT_JSON,
    "cesql-tck/not_operator.yaml": NOT_JSON,
    "cesql-tck/parse_errors.yaml": NOT_JSON,
    "cesql-tck/string_builtin_functions.yaml": NOT_JSON,
    "cesql-tck/sub_expression.yaml": NOT_JSON,
    "cesql-tck/subscriptions_api_recreations.yaml": NOT_JSON,
    "conformance/http-protocol-binding.feature": NOT_JSON,
    "conformance/kafka-protocol-binding.feature": NOT_JSON,
    "conformance/v03.yaml": NOT_JSON,
    "conformance/v03_minimum.yaml": NOT_JSON,
    "conformance/v1.yaml": NOT_JSON,
    "schema/cloudevents-compact.avsc": AVRO_SCHEMA,
    "schema/cloudevents.avsc": AVRO_SCHEMA,
    "schema/cloudevents.json": JSON_SCHEMA,
    "schema/cloudevents.proto": NOT_JSON,
    "sdk-java-json-jackson/v03_base64_text_data.json": CE_0_3,
    "sdk-java-json-jackson/v03_base64_xml_data.json": CE_0_3,
    "sdk-java-json-jackson/v03_fail_numeric_decimal.json": dead_records(
        "cloudevents", "undecodable", "'decimal' is a non-integer number", 1
    ),
    "sdk-java-json-jackson/v03_fail_numeric_long.json": INT32_RANGE,
    "sdk-java-json-jackson/v03_json_data.json": CE_0_3,
    "sdk-java-json-jackson/v03_json_data_with_ext.json": CE_0_3,
    "sdk-java-json-jackson/v03_json_data_with_ext_invalid.json": CE_0_3,
    "sdk-java-json-jackson/v03_min.json": CE_0_3,
    "sdk-java-json-jackson/v03_min_subject_null.json": CE_0_3,
    "sdk-java-json-jackson/v03_text_data.json": CE_0_3,
    "sdk-java-json-jackson/v03_xml_data.json": CE_0_3,
    "sdk-java-json-jackson/v1_base64_json_data.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_base64_json_data_with_ext.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_base64_text_data.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_base64_xml_data.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_binary_attr.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_fail_numeric_long.json": INT32_RANGE,
    "sdk-java-json-jackson/v1_json_data.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_json_data_with_ext.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_json_data_with_ext_upper_case.json": dead_records(
        "cloudevents", "undecodable", "3 attribute name(s) not allowed", 1
    ),
    "sdk-java-json-jackson/v1_json_data_with_fractional_time.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_min.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_numeric_ext.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_text_data.json": MOCK_TYPE,
    "sdk-java-json-jackson/v1_xml_data.json": MOCK_TYPE,
    "sdk-java-protobuf/v03_min.proto.json": PROTOBUF_JSON,
    "sdk-java-protobuf/v1_binary_ext.proto.json": PROTOBUF_JSON,
    "sdk-java-protobuf/v1_json_data.proto.json": PROTOBUF_JSON,
    "sdk-java-protobuf/v1_json_data_with_ext.proto.json": PROTOBUF_JSON,
    "sdk-java-protobuf/v1_min.proto.json": PROTOBUF_JSON,
    "sdk-java-protobuf/v1_xml_data.proto.json": PROTOBUF_JSON,
    "sdk-java-xml/bad_bad_attrib_name.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_data_content_1.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_data_content_2.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_duplicate_attr.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_ext_name.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_missing_specver.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_no_ns.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_ns.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_root_element.xml": XML_FORMAT,
    "sdk-java-xml/bad_bad_spec_version.xml": XML_FORMAT,
    "sdk-java-xml/v03_min.xml": XML_FORMAT,
    "sdk-java-xml/v1_binary_attr.xml": XML_FORMAT,
    "sdk-java-xml/v1_json_data.xml": XML_FORMAT,
    "sdk-java-xml/v1_json_data_with_ext.xml": XML_FORMAT,
    "sdk-java-xml/v1_min.xml": XML_FORMAT,
    "sdk-java-xml/v1_text_data.xml": XML_FORMAT,
    "sdk-java-xml/v1_with_extensions.xml": XML_FORMAT,
    "sdk-java-xml/v1_xml_data_with_ns3.xml": XML_FORMAT,
    "spec-examples/amqp-example-01.txt": NOT_JSON,
    "spec-examples/amqp-example-02.txt": NOT_JSON,
    "spec-examples/asyncapi-light-switch-structured-json.yaml": NOT_JSON,
    "spec-examples/asyncapi-trait-cloudevents-headers-kafka-binary.yaml": NOT_JSON,
    "spec-examples/http-example-01.txt": NOT_JSON,
    "spec-examples/http-example-02.txt": NOT_JSON,
    "spec-examples/http-example-05.txt": NOT_JSON,
    "spec-examples/json-format-example-01.json": BAD_BASE64,
    "spec-examples/json-format-example-02.txt": NOT_JSON,
    "spec-examples/json-format-example-04.txt": NOT_JSON,
    "spec-examples/json-format-example-05.json": EXAMPLE_TYPE,
    "spec-examples/json-format-example-06.txt": NOT_JSON,
    "spec-examples/json-format-example-07.json": EXAMPLE_TYPE,
    "spec-examples/json-format-example-08.txt": NOT_JSON,
    "spec-examples/json-format-example-09.json": EXAMPLE_TYPE,
    "spec-examples/json-format-example-10.txt": NOT_JSON,
    "spec-examples/json-format-example-12.txt": NOT_JSON,
    "spec-examples/json-format-example-13.json": Expect(
        "cloudevents",
        dead={
            "data_base64 is not valid base64": ("undecodable", 1),
            "event type is not a hub canonical type": ("unsupported", 1),
        },
    ),
    "spec-examples/json-format-example-14-empty-batch.json": ok("cloudevents", {}),
    "spec-examples/kafka-example-01.txt": NOT_JSON,
    "spec-examples/kafka-example-02.txt": NOT_JSON,
    "spec-examples/mqtt-example-01.txt": NOT_JSON,
    "spec-examples/mqtt-example-02.txt": NOT_JSON,
    "spec-examples/mqtt-example-03.txt": NOT_JSON,
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The CloudEvents folder of the shared corpus."""
    return shared_dir / "corpus" / "cloudevents"


def test_table_names_every_file(corpus: Path) -> None:
    """The table lists exactly the files present, so a new corpus file must be classified."""
    assert corpus_files(corpus) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_normalised_or_dead_lettered_as_expected(corpus: Path, name: str) -> None:
    """split + to_canonical give the events and dead letters (code and reason) the table states."""
    check_file(corpus / name, EXPECTED[name])
