from annotations.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    importer_name = "chestxray14"
