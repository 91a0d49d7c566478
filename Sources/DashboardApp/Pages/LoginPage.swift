/// `/login`: the operator's name and password.
enum LoginPage {
    static func render(csrf: String, next: String, message: HTML = .empty, name: String = "") -> HTML {
        Layout.page(title: "Log in", session: nil, section: .none, body: """
            <div class="card login">
            <h1>Operator log in</h1>
            \(message)
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="next" value="\(next)">
            <label>Name<input name="name" autocomplete="username" required maxlength="64" value="\(name)"></label>
            <label>Password<input name="password" type="password" autocomplete="current-password" required maxlength="72"></label>
            <button class="act" type="submit">Log in</button>
            </form></div>
            """)
    }
}
