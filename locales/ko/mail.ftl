# 메일: 제목과 본문. `-text`는 텍스트 본문(줄바꿈 그대로), 나머지는 HTML 본문의 문장입니다.
# HTML에서는 일부 인수에 굵은 글씨나 링크가 붙습니다($account, $forgot, $codes, $site는 링크 글자).

mail-subject-verify-email = 이메일 주소를 확인하세요
mail-subject-password-reset = 비밀번호를 재설정하세요
mail-subject-password-changed = 비밀번호가 변경되었습니다
mail-subject-password-reset-done = 비밀번호가 재설정되었습니다
mail-subject-email-changed = 이메일 주소가 변경되었습니다
mail-subject-2fa-on = 2단계 인증이 켜졌습니다
mail-subject-2fa-off = 2단계 인증이 꺼졌습니다
mail-subject-recovery-code-used = 복구 코드가 사용되었습니다
mail-subject-passkey-added = 패스키가 추가되었습니다

# 링크를 쓸 수 있는 시간($n은 개수).
mail-duration-days = { $n }일
mail-duration-hours = { $n }시간
mail-duration-minutes = { $n }분
mail-duration-seconds = { $n }초

# 모든 메일.
mail-hello = { $username }님, 안녕하세요.
mail-footer = { $site }에서 자동으로 보낸 메일입니다. 회신은 읽지 않습니다.
mail-footer-text = 자동으로 보낸 메일입니다. 회신은 읽지 않습니다.
mail-nothing-to-do = 본인이 한 일이라면 따로 하실 일은 없습니다.
mail-open-link = 또는 다음 링크를 여세요:
mail-link-new-password-now = 지금 새 비밀번호를 정하세요
mail-link-account-page = 계정 페이지
mail-link-log-in-change = 로그인하여 비밀번호를 변경하세요
mail-link-new-codes = 새 복구 코드 10개를 만들

# 이메일 주소 확인.
mail-verify-intro = 이 이메일 주소가 본인의 주소인지 확인하세요.
mail-verify-intro-text = 다음 링크를 열어 이 이메일 주소가 본인의 주소인지 확인하세요:
mail-verify-button = 주소 확인하기
mail-verify-valid = 링크는 24시간 동안 한 번만 쓸 수 있습니다. 확인하기 전에는 이 주소를 비밀번호 재설정을 포함해 어디에도 쓰지 않습니다.
mail-verify-valid-text =
    링크는 24시간 동안 한 번만 쓸 수 있습니다. 확인하기 전에는 이 주소를
    비밀번호 재설정을 포함해 어디에도 쓰지 않습니다.
mail-verify-not-you = 이 주소를 계정에 추가한 적이 없다면 이 메일을 무시하셔도 됩니다.

# 비밀번호 재설정.
mail-reset-asked = 누군가(본인이기를 바랍니다) 계정 { $username }의 비밀번호 재설정을 요청했습니다.
mail-reset-asked-text =
    누군가(본인이기를 바랍니다) 계정 "{ $username }"의 비밀번호 재설정을
    요청했습니다. 새 비밀번호를 정하려면 다음 링크를 여세요:
mail-reset-button = 새 비밀번호 정하기
mail-reset-valid = 링크는 { $valid_for } 동안 한 번만 쓸 수 있습니다. 새 비밀번호를 정하면 모든 기기에서 로그아웃됩니다.
mail-reset-valid-text =
    링크는 { $valid_for } 동안 한 번만 쓸 수 있습니다. 새 비밀번호를 정하면
    모든 기기에서 로그아웃됩니다.
mail-reset-not-you = 요청한 적이 없다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.

# 비밀번호 변경(계정 페이지) 또는 재설정(링크).
mail-password-changed = { $when }에 계정 페이지에서 계정 { $username }의 비밀번호가 변경되었습니다. 다른 모든 세션에서 로그아웃되었습니다.
mail-password-changed-text =
    { $when }에 계정 페이지에서 계정 "{ $username }"의 비밀번호가
    변경되었습니다. 다른 모든 세션에서 로그아웃되었습니다.
mail-password-changed-not-you = 본인이 아니라면 누군가 비밀번호를 알고 있습니다. { $forgot }.
mail-password-changed-not-you-text =
    본인이 아니라면 누군가 비밀번호를 알고 있습니다. 다음 주소에서 지금
    새 비밀번호를 정하세요:
    { $forgot_link }
mail-password-reset-done = { $when }에 이 주소로 보낸 링크로 계정 { $username }의 비밀번호가 재설정되었습니다. 모든 세션에서 로그아웃되었습니다.
mail-password-reset-done-text =
    { $when }에 이 주소로 보낸 링크로 계정 "{ $username }"의 비밀번호가
    재설정되었습니다. 모든 세션에서 로그아웃되었습니다.
mail-password-reset-done-not-you = 본인이 아니라면 누군가 이 메일을 읽을 수 있습니다. { $forgot }.
mail-password-reset-done-not-you-text =
    본인이 아니라면 누군가 이 메일을 읽을 수 있습니다. 다음 주소에서 지금
    새 비밀번호를 정하세요:
    { $forgot_link }

# 이메일 주소 변경(이전 주소로 보내는 메일).
mail-email-changed-to = { $when }에 계정 { $username }의 이메일 주소가 { $new_address }(으)로 변경되었습니다. 이 주소로는 더 이상 계정에 관한 메일을 보내지 않습니다.
mail-email-changed-to-text =
    { $when }에 계정 "{ $username }"의 이메일 주소가
    { $new_address }(으)로 변경되었습니다. 이 주소로는 더 이상 계정에 관한
    메일을 보내지 않습니다.
mail-email-removed = { $when }에 계정 { $username }의 이메일 주소가 삭제되었습니다. 이 주소로는 더 이상 계정에 관한 메일을 보내지 않습니다.
mail-email-removed-text =
    { $when }에 계정 "{ $username }"의 이메일 주소가 삭제되었습니다.
    이 주소로는 더 이상 계정에 관한 메일을 보내지 않습니다.
mail-email-changed-not-you = 본인이 아니라면 누군가 비밀번호를 알고 있습니다. { $account }.
mail-email-changed-not-you-text =
    본인이 아니라면 누군가 비밀번호를 알고 있습니다. 다음 주소에서 로그인하여
    비밀번호를 변경하세요:
    { $account_link }

# 2단계 인증을 켜거나 끔.
mail-2fa-on = 계정 { $username }의 2단계 인증이 { $when }에 { $state }. 이제 로그인할 때 비밀번호 다음에 인증 앱의 코드(또는 복구 코드 하나)를 입력해야 합니다.
mail-2fa-on-text =
    계정 "{ $username }"의 2단계 인증이 { $when }에 켜졌습니다.
    이제 로그인할 때 비밀번호 다음에 인증 앱의 코드(또는 복구 코드 하나)를
    입력해야 합니다.
mail-2fa-off = 계정 { $username }의 2단계 인증이 { $when }에 { $state }. 이제 비밀번호만으로 로그인합니다.
mail-2fa-off-text =
    계정 "{ $username }"의 2단계 인증이 { $when }에 꺼졌습니다.
    이제 비밀번호만으로 로그인합니다.
# mail-2fa-on, mail-2fa-off의 $state(굵은 글씨).
mail-2fa-state-on = 켜졌습니다
mail-2fa-state-off = 꺼졌습니다
mail-2fa-not-you = 본인이 아니라면 누군가 계정에 들어와 있습니다. { $forgot }.
mail-2fa-not-you-text =
    본인이 아니라면 누군가 계정에 들어와 있습니다. 다음 주소에서 지금
    새 비밀번호를 정하세요:
    { $forgot_link }

# 복구 코드 사용.
mail-recovery-used = { $when }에 계정 { $username }의 복구 코드 하나가 사용되었습니다. 이 코드는 더 이상 쓸 수 없으며, 쓰지 않은 코드가 { $left }개 남았습니다.
mail-recovery-used-text =
    { $when }에 계정 "{ $username }"의 복구 코드 하나가 사용되었습니다.
    이 코드는 더 이상 쓸 수 없으며, 쓰지 않은 코드가 { $left }개 남았습니다.
mail-recovery-you = 본인이라면 계정 페이지에서 { $codes } 수 있습니다.
mail-recovery-you-text =
    본인이라면 계정 페이지({ $account_link })에서
    새 복구 코드 10개를 만들 수 있습니다.
mail-recovery-not-you = 본인이 아니라면 누군가 비밀번호와 복구 코드를 알고 있습니다. { $forgot }.
mail-recovery-not-you-text =
    본인이 아니라면 누군가 비밀번호와 복구 코드를 알고 있습니다. 다음 주소에서
    지금 새 비밀번호를 정하세요: { $forgot_link }

# 패스키 추가.
mail-passkey-added = { $when }에 계정 { $username }에 패스키 { $name }이(가) 추가되었습니다. 이제 이 패스키로 비밀번호 없이 계정에 로그인할 수 있습니다.
mail-passkey-added-text =
    { $when }에 계정 "{ $username }"에 패스키 "{ $name }"이(가)
    추가되었습니다. 이제 이 패스키로 비밀번호 없이 계정에 로그인할 수 있습니다.
mail-passkey-added-not-you = 본인이 아니라면 누군가 계정에 들어와 있습니다. { $account }에서 패스키를 삭제하고 { $forgot }.
mail-passkey-added-not-you-text =
    본인이 아니라면 누군가 계정에 들어와 있습니다. 계정 페이지
    ({ $account_link })에서 패스키를 삭제하고,
    다음 주소에서 지금 새 비밀번호를 정하세요: { $forgot_link }
