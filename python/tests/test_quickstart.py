"""The quick-start examples of the reference's Python guide, with only the import changed."""

import parallax as perspective


def test_user_guide_quick_start():
    from datetime import date, datetime
    import numpy as np
    import pandas as pd

    data = pd.DataFrame({
        "int": np.arange(100),
        "float": [i * 1.5 for i in range(100)],
        "bool": [True for i in range(100)],
        "date": [date.today() for i in range(100)],
        "datetime": [datetime.now() for i in range(100)],
        "string": [str(i) for i in range(100)]
    })

    table = perspective.table(data, index="float")
    assert table.size() == 100
    view = table.view(group_by=["float"], filter=[["bool", "==", True]])
    column_data = view.to_columns()
    row_data = view.to_json()
    assert len(row_data) == 101 and len(column_data["int"]) == 101


def test_server_client_example():
    data = {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    new_data = [{"a": 4, "b": "u"}, {"a": 5, "b": "v"}]
    server = perspective.Server()
    client = server.new_local_client()
    table = client.table(data, name="data_source")
    heard = []

    def update_callback():
        heard.append("Updated!")

    view = table.view()
    on_update_id = view.on_update(update_callback)
    for i in range(10):
        table.update(new_data)
    view.remove_update(on_update_id)
    assert heard == ["Updated!"] * 10
    assert "data_source" in client.get_hosted_table_names()
    assert table.size() == 3 + 10 * 2
    csv_table = client.table("x,y\n1,2\n3,4")
    assert csv_table.view().to_columns() == {"x": [1, 3], "y": [2, 4]}
