"""The "Program managers" group: admins make someone a program manager by
adding them to it in the Django admin. Its one permission lets a user read
every task force and edit none."""

from django.db import migrations

GROUP = "Program managers"


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="assessments", model="taskforce")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_all_task_forces",
        defaults={"name": "Can read every task force (program manager)"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_program_manager_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
