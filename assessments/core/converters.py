"""The URL converters of the app's routes: an export's format."""

from django.urls import register_converter


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")


class PlanFormatConverter(FormatConverter):
    regex = "xlsx|pdf"


register_converter(PlanFormatConverter, "planfmt")
