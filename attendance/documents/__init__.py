"""Pure rendering of the PDFs of the course's follow-up: data -> dict of French text -> PDF bytes.

``base`` holds what every one of them shares (the training body's identity, the hash of the
data, WeasyPrint without network or disk); ``sheets`` renders the attendance sheets and
``funders`` the documents funders ask for.
"""
