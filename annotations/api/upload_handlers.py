"""Django's upload handlers, with one change: an upload spooled to disk that cannot be written (a full
or unwritable temporary directory) is closed and deleted at once, so no half-written temporary file
outlives the request's error answer (annotations.api.errors turns the OSError into JSON)."""

from django.core.files.uploadhandler import TemporaryFileUploadHandler


class CleanTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        try:
            self.file.write(raw_data)
        except OSError:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise
