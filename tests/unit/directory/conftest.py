import pytest

from ccc_telephony.config.directory import Directory


@pytest.fixture
def small() -> Directory:
    """Three consortia over four counties, home first, one extra number and one allowed."""
    return Directory.model_validate(
        {
            "counties": {11: "Columbia", 13: "Dane", 5: "Brown", 15: "Door"},
            "home": "capital",
            "consortia": [
                {
                    "id": "capital",
                    "name": "Capital Consortium",
                    "phone": "8885550101",
                    "counties": ["Columbia", "Dane"],
                },
                {
                    "id": "bay_lake",
                    "name": "Bay Lake Consortium",
                    "phone": "8885550102",
                    "counties": ["Brown", "Door"],
                    "numbers": [{"number": "920-555-0142", "label": "Brown County agency"}],
                },
                {
                    "id": "empty",
                    "name": "Dissolved Consortium",
                    "phone": "8885550199",
                    "counties": [],
                },
            ],
            "allowed": [{"number": "(608) 555-0177", "label": "Legal aid"}],
        }
    )
