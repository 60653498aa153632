"""The special-group tags the seeds serve, as configuration that district admins can change."""

from django.db import migrations

TAG_TYPES = [
    ("elderly", "老年人", [], 60, 10),
    ("living_alone_elderly", "独居老人", [], None, 20),
    ("disabled", "残疾人", [{"key": "grade", "label": "残疾等级", "required": True},
                            {"key": "certificate", "label": "残疾证号", "required": False}], None, 30),
    ("low_income", "低保/困难家庭", [{"key": "certificate", "label": "低保证号", "required": True}], None, 40),
    ("left_behind_child", "留守儿童", [], None, 50),
    ("unemployed", "失业人员", [], None, 60),
    ("floating", "流动人口", [], None, 70),
    ("veteran", "退役军人", [], None, 80),
]


def create(apps, schema_editor):
    TagType = apps.get_model("territory", "TagType")
    for code, name, fields, min_age, order in TAG_TYPES:
        TagType.objects.get_or_create(
            code=code, defaults={"name": name, "detail_fields": fields, "derived_min_age": min_age, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("territory", "0002_tagtype_dwelling_household_resident_and_more")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
